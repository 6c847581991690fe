import {
  API_ARCHITECTURE,
  API_HANDLER,
  API_LIVE_FUNCTION,
  API_MEMORY_MB,
  API_RUNTIME,
  LIVE_FEED_PATHS,
  PATHS_BESIDE_LIVE_FEEDS,
} from "./api-function";
import type { ConnectionBudget } from "./connection-budget";
import type { Gateway } from "./gateway";
import type { Network } from "./network";
import { OPTIONAL_DEPENDENCIES } from "./optional-dependencies";
import { appVersion } from "./stage";

/** Lambda and API Gateway both end a streamed response after 15 minutes at most. */
const STREAM_LIMIT_SECONDS = 15 * 60;

interface ApiArgs {
  /** The REST API the routes are attached to (infra/gateway.ts), deployed here. */
  gateway: Gateway;
  network: Network;
  links: sst.aws.FunctionArgs["link"];
  budget: ConnectionBudget;
  /** `CHANGE_RELAY_URL`: the worker's change relay, which answers the API's waits. */
  relayUrl: $util.Input<string>;
  /** Resources that must exist before the function: the worker, which creates the schema. */
  after: $util.Resource[];
  /** The stage's `CORS_ORIGINS` (infra/stage.ts); empty when it sets none. */
  corsOrigins: $util.Output<string>;
}

/**
 * The public HTTPS API: the Hono app's streaming entry in two Lambda functions, inside the VPC
 * (RDS is only reachable there), behind the API Gateway REST API of infra/gateway.ts, whose
 * routes this attaches with response transfer mode STREAM. Function URLs cannot stream from a function in a VPC, and HTTP APIs
 * (API Gateway v2) do not stream, so this is the shape in which server-sent events leave as they
 * are written. `ApiLive` serves the live-feed paths (`LIVE_FEED_PATHS`), `Api` everything else:
 * a feed runs until its time limit even after its client has left (Lambda does not stop a
 * streamed response whose client disconnected), so feeds get environments of their own and can
 * never throttle `/health` or a start. `Api` redirects a feed asked for at another path.
 *
 * Their reserved concurrencies and per-environment pool are the connection budget's; waits are
 * answered by the worker's change relay, so a waiting environment holds no database connection.
 */
export function createApi({
  gateway,
  network,
  links,
  budget,
  relayUrl,
  after,
  corsOrigins,
}: ApiArgs) {
  const { api } = gateway;
  const apiFunction = (
    name: string,
    reserved: number,
    environment: Record<string, $util.Input<string>>,
  ) =>
    new sst.aws.Function(
      name,
      {
        handler: API_HANDLER,
        runtime: API_RUNTIME,
        architecture: API_ARCHITECTURE,
        memory: `${API_MEMORY_MB} MB`,
        streaming: true,
        timeout: `${STREAM_LIMIT_SECONDS} seconds`,
        concurrency: { reserved },
        link: links,
        environment: $util
          .all([relayUrl, corsOrigins, gateway.url])
          .apply(([relay, origins, url]) => ({
            APP_VERSION: appVersion(),
            // The links `POST /workflows/{id}/links` mints start with the stage's URL: the request's
            // own URL, behind API Gateway, lacks the stage's path.
            PUBLIC_API_URL: url,
            LOG_LEVEL: "info",
            DB_POOL_SIZE: String(budget.apiDbPoolSize),
            CHANGE_RELAY_URL: relay,
            // Only on a stage that sets it: a variable set to nothing would read as a mistake.
            ...(origins ? { CORS_ORIGINS: origins } : {}),
            ...environment,
          })),
        nodejs: { esbuild: { external: OPTIONAL_DEPENDENCIES } },
        // `sst dev` runs the function on the developer's machine: no VPC to join.
        vpc: $dev
          ? undefined
          : {
              privateSubnets: network.vpc.privateSubnets,
              securityGroups: [network.apiSecurityGroup.id],
            },
        transform: {
          role: (args) => {
            // Only Lambda may assume the role. SST also trusts the whole account (which `sst dev`
            // needs to run the function locally), in every mode.
            if (!$dev) {
              args.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({
                Service: "lambda.amazonaws.com",
              });
            }
          },
        },
      },
      { dependsOn: after },
    );
  const fn = apiFunction("Api", budget.apiReservedConcurrency, { LIVE_FEED_PATHS_ONLY: "true" });
  const liveFn = apiFunction(API_LIVE_FUNCTION, budget.apiLiveReservedConcurrency, {});

  const routes: [string, typeof fn][] = [
    // One function for both catch-all routes (one pool of warm instances and DB connections).
    ["ANY /", fn],
    ["ANY /{proxy+}", fn],
    ...PATHS_BESIDE_LIVE_FEEDS.map((path): [string, typeof fn] => [`ANY ${path}`, fn]),
    // API Gateway prefers the most specific resource: these never reach `{proxy+}`. Every
    // method, so the app answers a wrong one (405) as anywhere else.
    ...LIVE_FEED_PATHS.map((path): [string, typeof fn] => [`ANY ${path}`, liveFn]),
  ];
  for (const [route, target] of routes) {
    // Passed by ARN, so the route is told to stream itself.
    api.route(route, target.arn, {
      streaming: true,
      transform: {
        integration: (args) => {
          args.timeoutMilliseconds = STREAM_LIMIT_SECONDS * 1000;
        },
      },
    });
  }
  api.deploy();
  return { fn, liveFn, api };
}
