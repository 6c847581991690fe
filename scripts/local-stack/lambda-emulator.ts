import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Writable } from "node:stream";
import { invokeComplete, payloadChunk } from "./lambda-event-stream.js";

/** A buffered Lambda handler (`hono/aws-lambda` `handle`). */
export type InvokeHandler = (event: unknown, context: object) => Promise<unknown>;
/** A response-streaming handler (`streamHandle`, once `awslambda.streamifyResponse` ran). */
export type StreamHandler = (event: unknown, stream: Writable, context: object) => Promise<void>;

export interface LambdaEmulatorOptions {
  functionName: string;
  invoke: InvokeHandler;
  invokeStream: StreamHandler;
}

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

function context(functionName: string) {
  const deadline = Date.now() + 15 * 60_000;
  return {
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The error body and header Lambda answers with when the function throws. */
function functionError(response: ServerResponse, error: unknown) {
  const err = error instanceof Error ? error : new Error(String(error));
  response.writeHead(200, {
    "content-type": "application/json",
    "x-amz-function-error": "Unhandled",
    "x-amz-executed-version": "$LATEST",
  });
  response.end(JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: [] }));
}

/** An AWS-style service error (the SDK reads `x-amzn-errortype` and `message`). */
function serviceError(response: ServerResponse, status: number, type: string, message: string) {
  response.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
  response.end(JSON.stringify({ Type: "User", message }));
}

async function invoke(options: LambdaEmulatorOptions, req: IncomingMessage, res: ServerResponse) {
  const event = JSON.parse((await readBody(req)).toString() || "{}") as unknown;
  const type = req.headers["x-amz-invocation-type"] ?? "RequestResponse";
  if (type === "DryRun") return void res.writeHead(204).end();
  const run = options.invoke(event, context(options.functionName));
  if (type === "Event") {
    run.catch((error: unknown) =>
      console.error(JSON.stringify({ msg: "async invoke failed", error: String(error) })),
    );
    return void res.writeHead(202).end();
  }
  try {
    const result = await run;
    res.writeHead(200, { "content-type": "application/json", "x-amz-executed-version": "$LATEST" });
    res.end(JSON.stringify(result ?? null));
  } catch (error) {
    functionError(res, error);
  }
}

async function invokeStream(
  options: LambdaEmulatorOptions,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const event = JSON.parse((await readBody(req)).toString() || "{}") as unknown;
  res.writeHead(200, {
    "content-type": "application/vnd.amazon.eventstream",
    "x-amz-executed-version": "$LATEST",
  });
  // Each write of the function leaves at once as one PayloadChunk event, as in Lambda.
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      res.write(payloadChunk(chunk), () => callback());
    },
    final(callback) {
      res.end(invokeComplete(), () => callback());
    },
  });
  // The caller went away: fail the function's next write so it stops, as a cut connection does.
  res.once("close", () => {
    if (!res.writableFinished) stream.destroy(new Error("Invocation client disconnected"));
  });
  try {
    await options.invokeStream(event, stream, context(options.functionName));
  } catch (error) {
    if (res.writableEnded) return;
    const details = error instanceof Error ? error.message : String(error);
    res.end(invokeComplete({ ErrorCode: "Unhandled", ErrorDetails: details }));
  }
}

/**
 * The Lambda Invoke API for one function on a local port, like `sam local start-lambda`: a
 * `LambdaClient` with `endpoint` set here invokes the real handlers, buffered (`Invoke`) or
 * streamed (`InvokeWithResponseStream`, event-stream framed).
 */
export function createLambdaEmulator(options: LambdaEmulatorOptions) {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const buffered = INVOKE.exec(path);
    const match = buffered ?? STREAM.exec(path);
    if (req.method !== "POST" || !match) {
      return serviceError(
        res,
        404,
        "UnknownOperationException",
        `No such operation: ${req.method} ${path}`,
      );
    }
    const name = baseName(match[1]!);
    if (name !== options.functionName) {
      return serviceError(
        res,
        404,
        "ResourceNotFoundException",
        `Function not found: ${name} (this emulator serves "${options.functionName}")`,
      );
    }
    const handle = buffered ? invoke : invokeStream;
    handle(options, req, res).catch((error: unknown) => {
      if (!res.headersSent) serviceError(res, 400, "InvalidRequestContentException", String(error));
      else res.destroy();
    });
  });
}
