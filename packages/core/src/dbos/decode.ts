import {
  DBOSJSON,
  deserializePositionalArgs,
  deserializeValue,
  isLegacyClosedSentinel,
  isStreamClosedSentinel,
} from "./internals.js";

/**
 * Decodes a value stored in a DBOS system table exactly as the SDK does (superjson, portable
 * JSON or legacy), by calling the SDK's own decoder. Tests pin the stored formats, so an SDK
 * upgrade that changes them fails loudly instead of returning garbled values.
 */
export function decodeValue(stored: string | null, serialization: string | null): Promise<unknown> {
  return deserializeValue(stored, serialization, DBOSJSON);
}

/** Decodes a workflow's stored arguments (`workflow_input.inputs`) as the SDK does, any format. */
export function decodeArgs(stored: string, serialization: string | null): Promise<unknown[]> {
  return deserializePositionalArgs(stored, serialization, DBOSJSON) as Promise<unknown[]>;
}

/** Whether a stored stream row is the marker that closes the stream (any SDK release's form). */
export async function isStreamEnd(stored: string | null, serialization: string | null) {
  if (stored !== null && isLegacyClosedSentinel(stored)) return true;
  return isStreamClosedSentinel(await decodeValue(stored, serialization));
}
