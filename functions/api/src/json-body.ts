import { InvalidInputError, PayloadTooLargeError, unstorableText } from "@wfc/core";
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

/**
 * Deepest nesting of objects and arrays accepted in a body. Far beyond what a message or a
 * provider's event needs; what a message goes through on its way to the workflow (serializers,
 * the answer's echo) recurses, and overflows its stack at about 1,500 levels.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * What keeps a parsed document from being stored as it was sent, or undefined: nesting beyond
 * `MAX_JSON_DEPTH`, a key or string `storableText` refuses, or a number too large for a double
 * (JSON.parse makes it Infinity, which is stored as `null`). Iterative, so any depth is safe to
 * inspect.
 */
function unstorableJson(document: unknown): string | undefined {
  const pending: Array<[value: unknown, depth: number]> = [[document, 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, depth] = item;
    if (typeof value === "string") {
      const problem = unstorableText(value);
      if (problem) return `Request body strings ${problem}`;
    } else if (typeof value === "number") {
      if (!Number.isFinite(value))
        return "Request body numbers must fit a double (at most ~1.8e308)";
    } else if (typeof value === "object" && value !== null) {
      if (depth >= MAX_JSON_DEPTH) {
        return `Request body must be nested at most ${MAX_JSON_DEPTH} levels deep`;
      }
      for (const [key, child] of Object.entries(value)) {
        const problem = Array.isArray(value) ? undefined : unstorableText(key);
        if (problem) return `Request body keys ${problem}`;
        pending.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * Parses a raw body that must be a JSON object that can be stored as sent (see `unstorableJson`).
 * @throws InvalidInputError (422) otherwise.
 */
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
  const problem = unstorableJson(body);
  if (problem) throw new InvalidInputError(problem);
  return body as Record<string, unknown>;
}
