import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { invokeComplete, payloadChunk } from "./event-stream.js";
import { ThrottledError, type FunctionError } from "./invocation.js";
import type { EnvironmentPool } from "./pool.js";

/** Where the Invoke API port serves the pool's statistics (a local addition). */
export const STATS_PATH = "/__local/stats";

// The two paths `@aws-sdk/client-lambda` calls (its schemas for Invoke and
// InvokeWithResponseStream); FunctionName may be a name, an ARN or carry a `:qualifier`.
const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const STREAM = /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations$/;

/** `my-fn`, `my-fn:$LATEST`, `arn:aws:lambda:<region>:<account>:function:my-fn[:qualifier]`. */
function baseName(raw: string): string {
  const name = decodeURIComponent(raw);
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(name);
  return arn?.[1] ?? name.split(":")[0]!;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An AWS-style service error (the SDK reads `x-amzn-errortype` and `message`). */
function serviceError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  extra: object = {},
) {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
  res.end(JSON.stringify({ Type: "User", message, ...extra }));
}

function throttled(res: ServerResponse) {
  serviceError(res, 429, "TooManyRequestsException", "Rate Exceeded.", {
    Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
  });
}

const errorPayload = (error: FunctionError) =>
  JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, trace: [] });

/** `Invoke`: the whole (streamed) response, buffered, or the function's error. */
function invoke(pool: EnvironmentPool, payload: Buffer, req: IncomingMessage, res: ServerResponse) {
  const type = req.headers["x-amz-invocation-type"] ?? "RequestResponse";
  if (type === "DryRun") return void res.writeHead(204).end();
  const chunks: Buffer[] = [];
  pool.invoke(payload, {
    write: (chunk) => chunks.push(chunk),
    end: (error) => {
      if (type === "Event" || res.destroyed) return;
      const headers = { "content-type": "application/json", "x-amz-executed-version": "$LATEST" };
      if (error) {
        res.writeHead(200, { ...headers, "x-amz-function-error": "Unhandled" });
        return void res.end(errorPayload(error));
      }
      res.writeHead(200, headers).end(Buffer.concat(chunks));
    },
  });
  if (type === "Event") res.writeHead(202).end();
}

/** `InvokeWithResponseStream`: each write of the function leaves at once as a PayloadChunk. */
function invokeStream(pool: EnvironmentPool, payload: Buffer, res: ServerResponse) {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, {
      "content-type": "application/vnd.amazon.eventstream",
      "x-amz-executed-version": "$LATEST",
    });
  };
  pool.invoke(payload, {
    write: (chunk) => {
      start();
      if (!res.destroyed) res.write(payloadChunk(chunk));
    },
    end: (error) => {
      start();
      if (res.destroyed) return;
      res.end(
        invokeComplete(error && { ErrorCode: error.errorType, ErrorDetails: errorPayload(error) }),
      );
    },
  });
}

/**
 * The Lambda Invoke API for the functions of `pools` (by name) on a local port, like `sam local
 * start-lambda`, each run through its environment pool: a `LambdaClient` with `endpoint` set
 * here invokes a bundled function, buffered (`Invoke`) or streamed (`InvokeWithResponseStream`,
 * event-stream framed). As on Lambda, a caller that goes away does not end the invocation (see
 * api-gateway.ts). `GET /__local/stats[?function=<name>]` answers a pool's statistics as JSON
 * (the first function's by default).
 */
export function createInvokeApi(pools: ReadonlyMap<string, EnvironmentPool>) {
  const names = [...pools.keys()];
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    const path = url.pathname;
    if (req.method === "GET" && path === STATS_PATH) {
      const pool = pools.get(url.searchParams.get("function") ?? names[0]!);
      if (!pool) return serviceError(res, 404, "ResourceNotFoundException", "No such function");
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(pool.stats()));
    }
    const buffered = INVOKE.exec(path);
    const match = buffered ?? STREAM.exec(path);
    if (req.method !== "POST" || !match) {
      return serviceError(res, 404, "UnknownOperationException", `No such operation: ${path}`);
    }
    const name = baseName(match[1]!);
    const pool = pools.get(name);
    if (!pool) {
      return serviceError(
        res,
        404,
        "ResourceNotFoundException",
        `Function not found: ${name} (this endpoint serves ${names.map((n) => `"${n}"`).join(", ")})`,
      );
    }
    readBody(req)
      .then((body) => {
        // Lambda refuses a payload that is not JSON before any environment sees it.
        const payload = body.length ? body : Buffer.from("{}");
        JSON.parse(payload.toString());
        if (buffered) invoke(pool, payload, req, res);
        else invokeStream(pool, payload, res);
      })
      .catch((error: unknown) => {
        if (error instanceof ThrottledError) return throttled(res);
        if (!res.headersSent)
          serviceError(res, 400, "InvalidRequestContentException", String(error));
        else res.destroy();
      });
  });
}
