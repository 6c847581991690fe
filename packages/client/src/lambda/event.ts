import { randomUUID } from "node:crypto";

/**
 * The API Gateway HTTP API (payload format 2.0) event a request would become behind API
 * Gateway, as `hono/aws-lambda` reads it: raw path and query, lower-case headers, cookies
 * apart, the body base64-encoded so any bytes survive the JSON.
 */
export async function requestToEvent(request: Request) {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  request.headers.forEach((value, name) => {
    if (name === "cookie") cookies = value.split(/;\s*/);
    else headers[name] = value;
  });
  headers.host = url.host;
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const now = new Date();
  const http = {
    method: request.method,
    path: url.pathname,
    protocol: "HTTP/1.1",
    // An invocation has no client address; the API only logs it.
    sourceIp: "127.0.0.1",
    userAgent: headers["user-agent"] ?? "",
  };
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies,
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    requestContext: {
      accountId: "anonymous",
      apiId: "invoke",
      domainName: url.host,
      domainPrefix: url.hostname.split(".")[0] ?? url.hostname,
      http,
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body?.toString("base64"),
    isBase64Encoded: body !== undefined,
  };
}
