import { InvalidInputError, PayloadTooLargeError } from "@wfc/core";
import { bodyLimit } from "hono/body-limit";

/** Largest JSON body accepted (messages, webhooks), in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Rejects bodies over `MAX_BODY_BYTES` with 413 before they are read whole. */
export const limitBody = () =>
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new PayloadTooLargeError(`Request body must be at most ${MAX_BODY_BYTES} bytes`);
    },
  });

/** Parses a raw body that must be a JSON object. @throws InvalidInputError (422) otherwise. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidInputError("Request body must be valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidInputError("Request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}
