// Event shapes exactly as AWS sends them (payload format 2.0), from the AWS Lambda docs:
// "Working with HTTP APIs: payload format version 2.0" and "Lambda function URLs: request payload".

interface Request {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
}

const queryString = (query: Record<string, string> = {}) => new URLSearchParams(query).toString();

function common({ method, path, query, body, headers = {} }: Request) {
  return {
    version: "2.0",
    rawPath: path,
    rawQueryString: queryString(query),
    cookies: undefined,
    headers: {
      accept: "*/*",
      "content-length": String(body ? Buffer.byteLength(body) : 0),
      "user-agent": "curl/8.5.0",
      "x-amzn-trace-id": "Root=1-6750b9a4-3f1c2b4d5e6f708192a3b4c5",
      "x-forwarded-for": "203.0.113.10",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
      ...headers,
    },
    queryStringParameters: query,
    body,
    isBase64Encoded: false,
    stageVariables: undefined,
    http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.10", userAgent: "curl/8.5.0" },
  };
}

/** An API Gateway HTTP API (v2) proxy event for the `$default` route. */
export function apiGatewayV2Event(request: Request) {
  const base = common(request);
  return {
    ...base,
    routeKey: "$default",
    headers: { ...base.headers, host: "abc123xyz.execute-api.us-east-1.amazonaws.com" },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123xyz",
      domainName: "abc123xyz.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abc123xyz",
      http: base.http,
      requestId: "Ju7sIj0hIAMEV7A=",
      routeKey: "$default",
      stage: "$default",
      time: "24/Nov/2026:08:00:00 +0000",
      timeEpoch: 1795507200000,
    },
  };
}

/** A Lambda Function URL event (same 2.0 format; routeKey and stage are `$default`, no apiId). */
export function functionUrlEvent(request: Request) {
  const base = common(request);
  const domainName = "a1b2c3d4e5f6g7h8i9j0.lambda-url.us-east-1.on.aws";
  return {
    ...base,
    routeKey: "$default",
    headers: { ...base.headers, host: domainName },
    requestContext: {
      accountId: "anonymous",
      apiId: "a1b2c3d4e5f6g7h8i9j0",
      domainName,
      domainPrefix: "a1b2c3d4e5f6g7h8i9j0",
      http: base.http,
      requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      routeKey: "$default",
      stage: "$default",
      time: "24/Nov/2026:08:00:00 +0000",
      timeEpoch: 1795507200000,
    },
  };
}

/** The minimal Lambda context the handler receives. */
export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: "workflow-communication-api",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:workflow-communication-api",
  memoryLimitInMB: "1024",
  awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
  logGroupName: "/aws/lambda/workflow-communication-api",
  logStreamName: "2026/11/24/[$LATEST]abcdef",
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

/**
 * An API Gateway REST API (v1) proxy event, the shape a REST route in STREAM transfer mode
 * delivers to a response-streaming function.
 */
export function apiGatewayV1Event(request: Request) {
  const { method, path, query, body, headers = {} } = request;
  const allHeaders: Record<string, string> = {
    Accept: "*/*",
    Host: "abc123xyz.execute-api.us-east-1.amazonaws.com",
    "User-Agent": "curl/8.5.0",
    "X-Forwarded-For": "203.0.113.10",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https",
    ...headers,
  };
  return {
    resource: "/{proxy+}",
    path,
    httpMethod: method,
    headers: allHeaders,
    multiValueHeaders: Object.fromEntries(Object.entries(allHeaders).map(([k, v]) => [k, [v]])),
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123xyz",
      domainName: "abc123xyz.execute-api.us-east-1.amazonaws.com",
      httpMethod: method,
      path: `/prod${path}`,
      protocol: "HTTP/1.1",
      requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      requestTimeEpoch: 1795507200000,
      resourceId: "abcdef",
      resourcePath: "/{proxy+}",
      stage: "prod",
      identity: { sourceIp: "203.0.113.10", userAgent: "curl/8.5.0" },
    },
    body: body ?? null,
    isBase64Encoded: false,
  };
}
