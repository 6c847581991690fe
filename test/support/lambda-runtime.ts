import { Writable } from "node:stream";

/** What a streaming invocation wrote: the HTTP metadata prelude and the body as it arrived. */
export interface StreamedResponse {
  metadata: { statusCode: number; headers: Record<string, string> } | undefined;
  chunks: string[];
  ended: Promise<void>;
}

/**
 * The two globals the Lambda Node.js runtime gives response-streaming functions
 * (`awslambda.streamifyResponse`, `awslambda.HttpResponseStream.from`), reduced to what they do
 * for a handler: pass the response stream in, and record the metadata prelude.
 */
export function installLambdaStreamingRuntime() {
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse: <H>(handler: H) => handler,
    HttpResponseStream: {
      from: (stream: Writable & { metadata?: unknown }, metadata: unknown) => {
        stream.metadata = metadata;
        return stream;
      },
    },
  };
}

/** A response stream that records what the handler writes, chunk by chunk. */
export function responseStream(onChunk: (text: string) => void = () => {}) {
  const response: StreamedResponse = { metadata: undefined, chunks: [], ended: Promise.resolve() };
  let resolveEnded!: () => void;
  response.ended = new Promise((resolve) => (resolveEnded = resolve));
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const text = chunk.toString();
      response.chunks.push(text);
      onChunk(text);
      callback();
    },
    final(callback) {
      resolveEnded();
      callback();
    },
  });
  Object.defineProperty(stream, "metadata", {
    set: (value) => (response.metadata = value),
    get: () => response.metadata,
  });
  return { stream, response };
}
