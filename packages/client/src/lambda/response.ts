/** What `hono/aws-lambda`'s `handle` returns for a 2.0 event. */
interface ProxyResult {
  statusCode: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

/** A response-streaming function's output: JSON metadata, 8 NUL bytes, then the body. */
const DELIMITER_LENGTH = 8;

/** Where the 8-NUL delimiter after the metadata prelude starts, or -1. */
function delimiterAt(bytes: Uint8Array): number {
  let run = 0;
  for (let i = 0; i < bytes.length; i++) {
    run = bytes[i] === 0 ? run + 1 : 0;
    if (run === DELIMITER_LENGTH) return i - DELIMITER_LENGTH + 1;
  }
  return -1;
}

const noBody = (status: number) => status === 204 || status === 304;

function toResponse(
  status: number,
  headers: Headers,
  body: ConstructorParameters<typeof Response>[0],
  cookies: string[] = [],
): Response {
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(noBody(status) ? null : body, { status, headers });
}

interface Metadata {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
}

/** Turns a buffered `Invoke` payload (a proxy result, or a streamed response) into a Response. */
export function payloadToResponse(payload: Uint8Array): Response {
  const text = new TextDecoder().decode(payload);
  const at = text.startsWith("{") ? delimiterAt(payload) : -1;
  if (at >= 0) {
    // A response-streaming function invoked without streaming: the same bytes, buffered.
    const meta = JSON.parse(text.slice(0, at)) as Metadata;
    const body = payload.slice(at + DELIMITER_LENGTH);
    return toResponse(meta.statusCode ?? 200, new Headers(meta.headers), body, meta.cookies);
  }
  const result = JSON.parse(text) as ProxyResult;
  const headers = new Headers(result.headers);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    for (const value of values) headers.append(name, value);
  }
  const body = result.isBase64Encoded
    ? Buffer.from(result.body ?? "", "base64")
    : (result.body ?? "");
  return toResponse(result.statusCode, headers, body, result.cookies);
}

/**
 * Turns the chunks of an `InvokeWithResponseStream` into a streaming Response: the metadata
 * prelude gives status and headers, everything after it is the body as it arrives.
 */
export async function chunksToResponse(chunks: AsyncIterable<Uint8Array>): Promise<Response> {
  const iterator = chunks[Symbol.asyncIterator]();
  let head = new Uint8Array(0);
  for (;;) {
    const { done, value } = await iterator.next();
    if (done) throw new Error("Lambda response stream ended before its HTTP metadata");
    const joined = new Uint8Array(head.length + value.length);
    joined.set(head);
    joined.set(value, head.length);
    head = joined;
    const at = delimiterAt(head);
    if (at < 0) continue;
    const meta = JSON.parse(new TextDecoder().decode(head.slice(0, at))) as Metadata;
    const rest = head.slice(at + DELIMITER_LENGTH);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (rest.length > 0) controller.enqueue(rest);
      },
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    return toResponse(meta.statusCode ?? 200, new Headers(meta.headers), body, meta.cookies);
  }
}
