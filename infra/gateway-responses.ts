/**
 * What API Gateway answers itself, before or instead of the function (no route, a throttled
 * stage, a function that cannot be invoked: Lambda's own throttling of the reserved concurrency
 * arrives as a 5XX), in the API's error shape `{"detail": ...}` and never with AWS's internal text.
 * `$context.error.messageString` is the gateway's message as a quoted JSON string.
 */
export const GATEWAY_RESPONSES = [
  {
    type: "DEFAULT_4XX",
    template: '{"detail":$context.error.messageString}',
  },
  {
    type: "DEFAULT_5XX",
    template: '{"detail":"The API is unavailable, retry shortly"}',
    retryAfterSeconds: 1,
  },
  {
    type: "THROTTLED",
    statusCode: "429",
    template: '{"detail":"Too many requests, retry shortly"}',
    retryAfterSeconds: 1,
  },
] as const satisfies readonly GatewayResponse[];

interface GatewayResponse {
  type: string;
  statusCode?: string;
  template: string;
  retryAfterSeconds?: number;
}

/** The gateway responses of `api`'s REST API, as resources (one per type). */
export function createGatewayResponses(api: sst.aws.ApiGatewayV1) {
  return GATEWAY_RESPONSES.map(
    (response: GatewayResponse) =>
      new aws.apigateway.Response(`HttpGatewayResponse${response.type}`, {
        restApiId: api.nodes.api.id,
        responseType: response.type,
        statusCode: response.statusCode,
        responseTemplates: { "application/json": response.template },
        responseParameters: {
          "gatewayresponse.header.Content-Type": "'application/json'",
          ...(response.retryAfterSeconds === undefined
            ? {}
            : { "gatewayresponse.header.Retry-After": `'${response.retryAfterSeconds}'` }),
        },
      }),
  );
}
