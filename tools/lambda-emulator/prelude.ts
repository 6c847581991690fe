/** The HTTP metadata a streaming function writes before its body (`HttpResponseStream.from`). */
export interface ResponseMetadata {
  statusCode?: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
}

/** The metadata prelude ends with 8 NUL bytes; the body follows. */
const DELIMITER = Buffer.alloc(8);

/**
 * Splits a streamed HTTP integration response as API Gateway does: bytes are held until the
 * JSON prelude and its delimiter have arrived, then every later chunk passes through as it
 * comes. Returns a function to feed chunks to; `onBody` also gets what followed the delimiter.
 */
export function preludeSplitter(
  onMetadata: (metadata: ResponseMetadata) => void,
  onBody: (chunk: Buffer) => void,
) {
  let head: Buffer | undefined = Buffer.alloc(0);
  return {
    write(chunk: Buffer) {
      if (!head) return onBody(chunk);
      head = Buffer.concat([head, chunk]);
      const at = head.indexOf(DELIMITER);
      if (at < 0) return;
      const rest = head.subarray(at + DELIMITER.length);
      onMetadata(JSON.parse(head.subarray(0, at).toString()) as ResponseMetadata);
      head = undefined;
      if (rest.length > 0) onBody(rest);
    },
    /** Whether the metadata has arrived. */
    get started() {
      return head === undefined;
    },
  };
}
