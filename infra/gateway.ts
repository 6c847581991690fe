import { createGatewayResponses, GATEWAY_RESPONSES } from "./gateway-responses";

/**
 * The API's public front: a regional API Gateway REST API and its own error answers, without
 * routes yet (infra/api.ts attaches them and deploys it). Created before the worker: the REST
 * API depends on no function, so the worker may be told the API's public URL (the base of the
 * approval links it mints) while the API's functions still wait for the worker.
 */
export function createGateway() {
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
  // The URL SST gives the deployed stage (`api.url`: the stage is named after the app's), built
  // from the REST API alone: `api.url` read after the deployment would wait for every route,
  // hence for the functions, which wait for the worker.
  const region = aws.getRegionOutput().region;
  const url = $interpolate`https://${api.nodes.api.id}.execute-api.${region}.amazonaws.com/${$app.stage}/`;
  return { api, url };
}

export type Gateway = ReturnType<typeof createGateway>;
