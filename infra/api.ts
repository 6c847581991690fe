import { API_ARCHITECTURE, API_HANDLER, API_MEMORY_MB, API_RUNTIME } from "./api-function";
import type { ConnectionBudget } from "./connection-budget";
import { createGatewayResponses, GATEWAY_RESPONSES } from "./gateway-responses";
import type { Network } from "./network";
import { OPTIONAL_DEPENDENCIES } from "./optional-dependencies";
import { appVersion } from "./stage";

/** Lambda and API Gateway both end a streamed response after 15 minutes at most. */
const STREAM_LIMIT_SECONDS = 15 * 60;

interface ApiArgs {
  network: Network;
  links: sst.aws.FunctionArgs["link"];
  budget: ConnectionBudget;
  /** `CHANGE_RELAY_URL`: the worker's change relay, which answers the API's waits. */
  relayUrl: $util.Input<string>;
  /** Resources that must exist before the function: the worker, which creates the schema. */
  after: $util.Resource[];
}

/**
 * The public HTTPS API: one Lambda function running the Hono app's streaming entry, inside the
 * VPC (RDS is only reachable there), behind an API Gateway REST API whose routes use response
 * transfer mode STREAM. Function URLs cannot stream from a function in a VPC, and HTTP APIs
 * (API Gateway v2) do not stream, so this is the shape in which server-sent events leave as they
 * are written. Every route streams: live feeds share paths with plain JSON answers.
 *
 * Its reserved concurrency and per-environment pool are the connection budget's; waits are
 * answered by the worker's change relay, so a waiting environment holds no database connection.
 */
export function createApi({ network, links, budget, relayUrl, after }: ApiArgs) {
  const fn = new sst.aws.Function(
    "Api",
    {
      handler: API_HANDLER,
      runtime: API_RUNTIME,
      architecture: API_ARCHITECTURE,
      memory: `${API_MEMORY_MB} MB`,
      streaming: true,
      timeout: `${STREAM_LIMIT_SECONDS} seconds`,
      concurrency: { reserved: budget.apiReservedConcurrency },
      link: links,
      environment: {
        APP_VERSION: appVersion(),
        LOG_LEVEL: "info",
        DB_POOL_SIZE: String(budget.apiDbPoolSize),
        CHANGE_RELAY_URL: relayUrl,
      },
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

  // Regional: an edge-optimized endpoint cuts a stream that is idle for 30 s; regional allows 5 min.
  // No CORS at the gateway: SST's default answers every preflight with `*`, while the app
  // allows only CORS_ORIGINS; preflights reach the app like any request.
  const api = new sst.aws.ApiGatewayV1("Http", {
    endpoint: { type: "regional" },
    cors: false,
    transform: {
      // Gateway responses take effect with a deployment: redeploy when one changes.
      deployment: (args, opts) => {
        args.triggers = $output(args.triggers).apply((triggers) => ({
          ...triggers,
          gatewayResponses: JSON.stringify(GATEWAY_RESPONSES),
        }));
        opts.dependsOn = responses;
      },
    },
  });
  const responses = createGatewayResponses(api);
  for (const route of ["ANY /", "ANY /{proxy+}"]) {
    // One function for both routes (one pool of warm instances and DB connections): passed by
    // ARN, so the route is told to stream itself.
    api.route(route, fn.arn, {
      streaming: true,
      transform: {
        integration: (args) => {
          args.timeoutMilliseconds = STREAM_LIMIT_SECONDS * 1000;
        },
      },
    });
  }
  api.deploy();
  return { fn, api };
}
