import { crc32 } from "node:zlib";

// The AWS event-stream binary framing (application/vnd.amazon.eventstream), as the SDK's
// decoder reads it: total length, headers length, prelude CRC32, headers, payload, message CRC32.

function header(name: string, value: string): Buffer {
  const nameBytes = Buffer.from(name);
  const valueBytes = Buffer.from(value);
  const out = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
  let at = out.writeUInt8(nameBytes.length, 0);
  at += nameBytes.copy(out, at);
  at = out.writeUInt8(7, at); // header value type 7: string
  at = out.writeUInt16BE(valueBytes.length, at);
  valueBytes.copy(out, at);
  return out;
}

/** One event message: `:event-type`, `:message-type: event`, `:content-type`, then the payload. */
export function encodeEvent(eventType: string, contentType: string, payload: Uint8Array): Buffer {
  const headers = Buffer.concat([
    header(":event-type", eventType),
    header(":message-type", "event"),
    header(":content-type", contentType),
  ]);
  const total = 12 + headers.length + payload.length + 4;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headers.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headers.copy(message, 12);
  Buffer.from(payload).copy(message, 12 + headers.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

/** `InvokeWithResponseStream`'s `PayloadChunk` event: raw bytes the function wrote. */
export const payloadChunk = (bytes: Uint8Array) =>
  encodeEvent("PayloadChunk", "application/octet-stream", bytes);

/** `InvokeWithResponseStream`'s last event; an error code when the function failed. */
export const invokeComplete = (error?: { ErrorCode: string; ErrorDetails: string }) =>
  encodeEvent("InvokeComplete", "application/json", Buffer.from(JSON.stringify(error ?? {})));
