import type { Network } from "./network";
import { OPTIONAL_DEPENDENCIES } from "./optional-dependencies";
import { appVersion } from "./stage";

/** Lambda and API Gateway both end a streamed response after 15 minutes at most. */
const STREAM_LIMIT_SECONDS = 15 * 60;

interface ApiArgs {
  network: Network;
  links: sst.aws.FunctionArgs["link"];
  /** Resources that must exist before the function: the worker, which creates the schema. */
  after: $util.Resource[];
}

/**
 * The public HTTPS API: one Lambda function running the Hono app's streaming entry, inside the
 * VPC (RDS is only reachable there), behind an API Gateway REST API whose routes use response
 * transfer mode STREAM. Function URLs cannot stream from a function in a VPC, and HTTP APIs
 * (API Gateway v2) do not stream, so this is the shape in which server-sent events leave as they
 * are written. Every route streams: live feeds share paths with plain JSON answers.
 */
export function createApi({ network, links, after }: ApiArgs) {
  const fn = new sst.aws.Function(
    "Api",
    {
      handler: "functions/api/src/stream-handler.handler",
      runtime: "nodejs22.x",
      architecture: "arm64",
      memory: "1024 MB",
      streaming: true,
      timeout: `${STREAM_LIMIT_SECONDS} seconds`,
      link: links,
      environment: { APP_VERSION: appVersion(), LOG_LEVEL: "info" },
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
  const api = new sst.aws.ApiGatewayV1("Http", { endpoint: { type: "regional" } });
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
