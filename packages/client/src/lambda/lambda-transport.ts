import {
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { withApiKey, type FetchLike, type Transport } from "../transport.js";
import { requestToEvent } from "./event.js";
import { chunksToResponse, payloadToResponse } from "./response.js";

export interface LambdaTransportOptions {
  /** A LambdaClient (credentials, region; `endpoint` for the local emulator). */
  lambda: LambdaClient;
  /** The API function's name or ARN. */
  functionName: string;
  /** The response-streaming entry for live feeds; defaults to `functionName`. */
  streamFunctionName?: string;
  /** Only when the function has `API_KEYS` set: IAM already guards the invocation. */
  apiKey?: string;
}

/** Why an invocation failed inside the function (`X-Amz-Function-Error`). */
export class LambdaInvokeError extends Error {
  override name = "LambdaInvokeError";
}

const wantsStream = (request: Request) =>
  (request.headers.get("accept") ?? "").includes("text/event-stream");

/**
 * A fetch that invokes the API function instead of calling a URL: Request -> API Gateway 2.0
 * event -> `Invoke` (or `InvokeWithResponseStream` for server-sent events) -> Response.
 */
export function lambdaFetch({
  lambda,
  functionName,
  streamFunctionName,
}: LambdaTransportOptions): FetchLike {
  return async (input, init) => {
    const request = new Request(input, init);
    const Payload = new TextEncoder().encode(JSON.stringify(await requestToEvent(request)));
    const options = { abortSignal: request.signal };
    if (wantsStream(request)) {
      const out = await lambda.send(
        new InvokeWithResponseStreamCommand({
          FunctionName: streamFunctionName ?? functionName,
          Payload,
        }),
        options,
      );
      if (!out.EventStream) throw new LambdaInvokeError("Lambda returned no response stream");
      const events = out.EventStream;
      return chunksToResponse(
        (async function* () {
          for await (const event of events) {
            if (event.PayloadChunk?.Payload) yield event.PayloadChunk.Payload;
            if (event.InvokeComplete?.ErrorCode) {
              const { ErrorCode, ErrorDetails } = event.InvokeComplete;
              throw new LambdaInvokeError(`${ErrorCode}: ${ErrorDetails ?? ""}`);
            }
          }
        })(),
      );
    }
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload }),
      options,
    );
    const payload = out.Payload ?? new Uint8Array(0);
    if (out.FunctionError) {
      throw new LambdaInvokeError(
        `${out.FunctionError}: ${new TextDecoder().decode(payload) || "no details"}`,
      );
    }
    return payloadToResponse(payload);
  };
}

/**
 * Transport for callers inside AWS: invokes the API function directly with the AWS SDK
 * (IAM-authenticated, no public endpoint needed). The same client code works over it.
 */
export function lambdaTransport(options: LambdaTransportOptions): Transport {
  // The host only fills the event's Host header and domain name.
  return {
    baseUrl: "https://lambda.invoke",
    fetch: withApiKey(lambdaFetch(options), options.apiKey),
  };
}
