import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { ThrottledError, type FunctionError } from "./invocation.js";
import type { EnvironmentPool } from "./pool.js";
import { preludeSplitter, type ResponseMetadata } from "./prelude.js";
import { restProxyEvent, type RestApiInfo } from "./rest-event.js";

/** API Gateway's payload limit for a request. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface ApiGatewayOptions extends RestApiInfo {
  /** A streamed response silent this long is closed (regional endpoints: 5 minutes). */
  idleMs: number;
}

/** Which function's pool serves a request path (the REST API's routes). */
export type GatewayRoutes = (path: string) => EnvironmentPool;

/**
 * The routes of infra/api.ts: the live-feed paths (any method) to `live`, everything else to
 * `api`. API Gateway prefers the most specific resource, so a live path never reaches
 * `{proxy+}`.
 */
export function gatewayRoutes(
  livePaths: readonly string[],
  api: EnvironmentPool,
  live: EnvironmentPool,
): GatewayRoutes {
  const patterns = livePaths.map(
    (template) => new RegExp(`^${template.replace(/\{[^/}]+\}/g, "[^/]+")}/?$`),
  );
  return (path) => (patterns.some((p) => p.test(path)) ? live : api);
}

/** Headers that describe the hop to the function, not the response: API Gateway sets its own. */
const HOP_HEADERS = new Set(["content-length", "transfer-encoding", "connection"]);

function json(res: ServerResponse, status: number, body: object, headers: object = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage) {
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function writeHead(res: ServerResponse, meta: ResponseMetadata, requestId: string) {
  const headers: Record<string, string | string[]> = { "x-amzn-requestid": requestId };
  for (const [name, value] of Object.entries(meta.headers ?? {})) {
    if (!HOP_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  for (const [name, values] of Object.entries(meta.multiValueHeaders ?? {})) {
    if (!HOP_HEADERS.has(name.toLowerCase())) headers[name] = values;
  }
  if (meta.cookies?.length) headers["set-cookie"] = meta.cookies;
  res.writeHead(meta.statusCode ?? 200, headers);
  // Each chunk leaves as it is written: no buffering by Node or the socket.
  res.flushHeaders();
  res.socket?.setNoDelay(true);
}

/** What API Gateway answers when the integration fails before the response started. */
function integrationFailure(res: ServerResponse, error: FunctionError) {
  if (error.errorType === "Sandbox.Timedout") {
    return json(res, 504, { message: "Endpoint request timed out" });
  }
  json(res, 502, { message: "Internal server error" });
}

/**
 * An API Gateway REST API in front of the functions, with Lambda proxy integrations in response
 * transfer mode STREAM (`routes` says which function serves a path): each request becomes a
 * REST proxy event, is invoked through that function's pool, and the function's metadata
 * prelude becomes the status and headers; the body is forwarded as it is written. A stream
 * silent for `idleMs` is closed. Throttled invocations answer 429 with a detail.
 *
 * The client leaving does not end the invocation, and the function is not told: its writes keep
 * succeeding (and are dropped) until it returns or times out. AWS: "Response streaming for
 * Lambda functions" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html):
 * a streamed response is not interrupted or stopped when the invoking client's connection is,
 * and the function is billed for its whole run; the runtime's response stream emits no event
 * either (aws-lambda-nodejs-runtime-interface-client issue #145). Modelled exactly: no better.
 */
export function createApiGateway(routes: GatewayRoutes, options: ApiGatewayOptions) {
  return createServer((req, res) => {
    void readBody(req)
      .then((body) => {
        if (!body) {
          return json(res, 413, { detail: "Request body too large for API Gateway (10 MB)" });
        }
        const event = restProxyEvent(req, body, options);
        const pool = routes(event.path);
        const requestId = event.requestContext.requestId;
        let idle: NodeJS.Timeout | undefined;
        const touch = () => {
          clearTimeout(idle);
          idle = setTimeout(() => res.destroy(), options.idleMs);
        };
        res.once("close", () => clearTimeout(idle));
        const splitter = preludeSplitter(
          (meta) => {
            writeHead(res, meta, requestId);
            touch();
          },
          (chunk) => {
            if (res.destroyed) return;
            res.write(chunk);
            touch();
          },
        );
        try {
          let broken = false;
          pool.invoke(Buffer.from(JSON.stringify(event)), {
            write: (chunk) => {
              if (broken) return;
              try {
                splitter.write(chunk);
              } catch {
                // Not a metadata prelude API Gateway can read: the integration failed.
                broken = true;
                if (!res.headersSent) json(res, 502, { message: "Internal server error" });
              }
            },
            end: (error) => {
              clearTimeout(idle);
              if (res.destroyed || broken) return;
              if (!splitter.started) {
                return integrationFailure(res, error ?? { errorType: "", errorMessage: "" });
              }
              // A failure mid-stream cuts the response off: the client sees it incomplete.
              if (error) res.destroy();
              else res.end();
            },
          });
        } catch (error) {
          if (!(error instanceof ThrottledError)) throw error;
          json(
            res,
            429,
            {
              detail: `Too many requests: the API is at its concurrency limit (${error.concurrency}); retry shortly`,
            },
            { "retry-after": "1" },
          );
        }
      })
      .catch((error: unknown) => {
        console.error(JSON.stringify({ msg: "api gateway failed", error: String(error) }));
        if (!res.headersSent) json(res, 502, { message: "Internal server error" });
        else res.destroy();
      });
  });
}
