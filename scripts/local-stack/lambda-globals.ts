import type { Writable } from "node:stream";

/**
 * Installs the globals the Lambda Node.js runtime gives response-streaming functions, behaving
 * as the real ones do on the wire: `HttpResponseStream.from` writes the HTTP metadata as JSON
 * followed by 8 NUL bytes before the body, which API Gateway (and our client) split off again.
 * Must run before a handler module that calls `awslambda.streamifyResponse` is imported.
 */
export function installLambdaGlobals() {
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse: <H>(handler: H) => handler,
    HttpResponseStream: {
      from: (stream: Writable, metadata: unknown) => {
        stream.write(JSON.stringify(metadata));
        stream.write(new Uint8Array(8));
        return stream;
      },
    },
  };
}
