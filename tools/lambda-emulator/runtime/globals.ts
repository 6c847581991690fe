import type { Writable } from "node:stream";

/** Where the runtime marks a handler wrapped by `awslambda.streamifyResponse` (as AWS's does). */
export const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");

/** The content type of a streamed HTTP integration response (metadata prelude, then the body). */
export const HTTP_INTEGRATION_RESPONSE = "application/vnd.awslambda.http-integration-response";

/** The response stream the runtime hands a streaming handler. */
export interface ResponseStream extends Writable {
  setContentType(type: string): void;
}

/**
 * Installs the globals the Lambda Node.js runtime gives every function: `streamifyResponse`
 * marks a handler as response-streaming, and `HttpResponseStream.from` writes the HTTP metadata
 * as JSON followed by 8 NUL bytes before the body, which API Gateway splits off again.
 */
export function installLambdaGlobals() {
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse: <H extends object>(handler: H): H =>
      Object.assign(handler, { [STREAMING]: "response" }),
    HttpResponseStream: {
      from: (stream: ResponseStream, metadata: unknown) => {
        stream.setContentType(HTTP_INTEGRATION_RESPONSE);
        stream.write(JSON.stringify(metadata));
        stream.write(new Uint8Array(8));
        return stream;
      },
    },
  };
}
