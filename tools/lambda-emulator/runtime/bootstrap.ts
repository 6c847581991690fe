import { Agent, request, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { installLambdaGlobals, STREAMING, type ResponseStream } from "./globals.js";
import * as protocol from "./protocol.js";

// The runtime client of one execution environment, as AWS's Node.js runtime does it: load the
// handler once, then loop over the Runtime API (`AWS_LAMBDA_RUNTIME_API`): next invocation,
// response (streamed, chunked) or error. Bundled to plain JavaScript: no TypeScript loader runs
// in the environment, so its cold start is the deployed one.

const bootMs = performance.now();
const env = process.env;
const runtimeApi = env.AWS_LAMBDA_RUNTIME_API!;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

type Handler = ((event: unknown, ...rest: unknown[]) => Promise<unknown>) & {
  [STREAMING]?: string;
};

interface Reply {
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

function call(method: string, path: string, headers: Record<string, string>, body?: Buffer) {
  return new Promise<Reply>((resolve, reject) => {
    const [host, port] = runtimeApi.split(":");
    const req = request(
      { host, port, method, path: protocol.RUNTIME_PATH + path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const errorBody = (error: unknown) => {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    errorType: err.name,
    errorMessage: err.message,
    stackTrace: (err.stack ?? "").split("\n").slice(1),
  };
};

async function reportError(path: string, error: unknown) {
  const body = errorBody(error);
  console.error(JSON.stringify({ level: "error", msg: "function error", ...body }));
  await call(
    "POST",
    path,
    { "content-type": "application/json", "lambda-runtime-function-error-type": body.errorType },
    Buffer.from(JSON.stringify(body)),
  );
}

async function loadHandler(): Promise<Handler> {
  const spec = env._HANDLER!;
  const dot = spec.lastIndexOf(".");
  const file = join(env.LAMBDA_TASK_ROOT!, `${spec.slice(0, dot)}.mjs`);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const handler = module[spec.slice(dot + 1)];
  if (typeof handler !== "function") throw new Error(`${spec} is not a function`);
  return handler as Handler;
}

function context(headers: IncomingMessage["headers"]) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  return {
    awsRequestId: String(headers["lambda-runtime-aws-request-id"]),
    invokedFunctionArn: String(headers["lambda-runtime-invoked-function-arn"]),
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/**
 * Runs a streaming handler: its writes leave at once as chunks of one `response` request; a
 * failure after the first byte is reported in the request's trailers, as AWS's runtime does.
 */
async function invokeStreaming(handler: Handler, id: string, event: unknown, ctx: object) {
  const [host, port] = runtimeApi.split(":");
  const answered = new Promise<void>((resolve, reject) => {
    const req = request({
      host,
      port,
      method: "POST",
      path: `${protocol.RUNTIME_PATH}/invocation/${id}/response`,
      agent,
      headers: {
        [protocol.RESPONSE_MODE_HEADER]: "streaming",
        "transfer-encoding": "chunked",
        trailer: `${protocol.ERROR_TYPE_TRAILER}, ${protocol.ERROR_BODY_TRAILER}`,
        "content-type": "application/octet-stream",
      },
    });
    req.on("error", reject);
    req.on("response", (res) => res.resume().on("end", resolve));
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, callback) => void req.write(chunk, () => callback()),
      final: (callback) => callback(),
    }) as ResponseStream;
    // The handler's own pipeline may fail on this stream; the invocation's result says so.
    stream.on("error", () => {});
    stream.setContentType = (type) => req.setHeader("content-type", type);
    const done = () => new Promise<void>((resolve) => stream.end(resolve));
    handler(event, stream, ctx).then(
      () => done().then(() => req.end()),
      (error: unknown) =>
        done().then(() => {
          const body = errorBody(error);
          console.error(JSON.stringify({ level: "error", msg: "function error", ...body }));
          req.addTrailers({
            [protocol.ERROR_TYPE_TRAILER]: body.errorType,
            [protocol.ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(body)).toString("base64"),
          });
          req.end();
        }),
    );
  });
  await answered;
}

async function invokeBuffered(handler: Handler, id: string, event: unknown, ctx: object) {
  let result: unknown;
  try {
    result = await handler(event, ctx);
  } catch (error) {
    return reportError(`/invocation/${id}/error`, error);
  }
  await call(
    "POST",
    `/invocation/${id}/response`,
    { "content-type": "application/json" },
    Buffer.from(JSON.stringify(result ?? null)),
  );
}

async function main() {
  installLambdaGlobals();
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    await reportError("/init/error", error);
    process.exit(1);
  }
  const timings: protocol.InitTimings = { nodeStartMs: bootMs, importMs: performance.now() };
  let headers: Record<string, string> = { [protocol.INIT_TIMINGS_HEADER]: JSON.stringify(timings) };
  for (;;) {
    const next = await call("GET", "/invocation/next", headers);
    headers = {};
    const id = String(next.headers["lambda-runtime-aws-request-id"]);
    const event = JSON.parse(next.body.toString() || "null") as unknown;
    const ctx = context(next.headers);
    if (handler[STREAMING] === "response") await invokeStreaming(handler, id, event, ctx);
    else await invokeBuffered(handler, id, event, ctx);
  }
}

// An exception nobody handles ends the environment, as on Lambda; the next invocation gets a
// fresh one.
process.on("uncaughtException", (error) => {
  console.error(JSON.stringify({ level: "error", msg: "uncaught exception", ...errorBody(error) }));
  process.exit(129);
});

await main();
