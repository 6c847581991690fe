import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** What API Gateway knows about the REST API a request arrived on. */
export interface RestApiInfo {
  stage: string;
  apiId: string;
}

/** Header name -> values, named as the client first sent them (API Gateway keeps the case). */
function headerMaps(raw: string[]) {
  const names = new Map<string, string>();
  const multi: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (!names.has(lower)) names.set(lower, raw[i]!);
    (multi[names.get(lower)!] ??= []).push(raw[i + 1]!);
  }
  const single = Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.at(-1)!]));
  return { single, multi };
}

function queryMaps(search: URLSearchParams) {
  const multi: Record<string, string[]> = {};
  for (const [key, value] of search) (multi[key] ??= []).push(value);
  if (Object.keys(multi).length === 0) return { single: null, multi: null };
  return {
    single: Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.at(-1)!])),
    multi,
  };
}

/**
 * The Lambda proxy event (REST API, payload format 1.0) that API Gateway sends for `request` on
 * the routes `ANY /` and `ANY /{proxy+}`: path, method, headers and query both single- and
 * multi-valued, the request context with the stage, the body as text (no binary media types
 * are configured, so never base64).
 */
export function restProxyEvent(request: IncomingMessage, body: Buffer, api: RestApiInfo) {
  const url = new URL(request.url ?? "/", "http://localhost");
  const path = url.pathname;
  const root = path === "/";
  const sourceIp = request.socket.remoteAddress ?? "127.0.0.1";
  const headers = headerMaps([
    ...request.rawHeaders,
    "X-Forwarded-For",
    sourceIp,
    "X-Forwarded-Proto",
    "http",
    "X-Forwarded-Port",
    String(request.socket.localPort ?? 80),
  ]);
  const query = queryMaps(url.searchParams);
  const now = new Date();
  const requestId = randomUUID();
  const userAgent = headers.single["User-Agent"] ?? headers.single["user-agent"] ?? null;
  return {
    resource: root ? "/" : "/{proxy+}",
    path,
    httpMethod: request.method ?? "GET",
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: root ? null : { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      resourceId: root ? "root" : "proxy",
      resourcePath: root ? "/" : "/{proxy+}",
      httpMethod: request.method ?? "GET",
      extendedRequestId: requestId,
      requestTime: now.toUTCString(),
      path: `/${api.stage}${path}`,
      accountId: "000000000000",
      protocol: `HTTP/${request.httpVersion}`,
      stage: api.stage,
      domainPrefix: api.apiId,
      requestTimeEpoch: now.getTime(),
      requestId,
      identity: { sourceIp, userAgent, accessKey: null, accountId: null, caller: null, user: null },
      domainName: headers.single.Host ?? headers.single.host ?? "localhost",
      deploymentId: "local",
      apiId: api.apiId,
    },
    body: body.length > 0 ? body.toString("utf8") : null,
    isBase64Encoded: false,
  };
}
