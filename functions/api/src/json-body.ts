import { InvalidInputError, PayloadTooLargeError, unstorableText } from "@wfc/core";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/** Largest JSON body accepted (messages, webhooks), in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

const tooLarge = () => {
  throw new PayloadTooLargeError(`Request body must be at most ${MAX_BODY_BYTES} bytes`);
};
const streamedLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });

/**
 * Rejects bodies over `MAX_BODY_BYTES` with 413 before they are read whole. A body of declared
 * length (HTTP/1.1 frames it to exactly that many bytes) is judged by its header alone: Hono's
 * `bodyLimit` touches `request.body`, which turns the Node server's lightweight request into a
 * full one with a stream on every message, a few hundred microseconds on the message path.
 * A chunked body, of unknown length, is counted as it streams in.
 */
export const limitBody = (): MiddlewareHandler => async (c, next) => {
  const length = c.req.header("content-length");
  if (length === undefined || c.req.header("transfer-encoding") !== undefined) {
    return streamedLimit(c, next);
  }
  if (Number.parseInt(length, 10) > MAX_BODY_BYTES) tooLarge();
  await next();
};

/**
 * Deepest nesting of objects and arrays accepted in a body. Far beyond what a message or a
 * provider's event needs; what a message goes through on its way to the workflow (serializers,
 * the answer's echo) recurses, and overflows its stack at about 1,500 levels.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Makes a parsed document one that is stored exactly as sent and echoed, or says why it cannot
 * be: nesting beyond `MAX_JSON_DEPTH`; a key or string `storableText` refuses; a number too large
 * for a double (`JSON.parse` makes `1e309` Infinity, which JSON echoes as null); a `"__proto__"`
 * key (an own property to `JSON.parse`, but it sets the prototype when the workflow's copy is
 * rebuilt, so the workflow would see another object than the 200 showed). `-0`, echoed as 0,
 * becomes 0. Iterative, so any depth is safe to inspect. Problems name the path (`body.a[1]`).
 */
function unstorableJson(document: object): string | undefined {
  const pending: Array<[value: object, path: string, depth: number]> = [[document, "body", 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, path, depth] = item;
    if (depth >= MAX_JSON_DEPTH) {
      return `Request body must be nested at most ${MAX_JSON_DEPTH} levels deep`;
    }
    const holder = value as Record<string, unknown>;
    for (const key of Object.keys(holder)) {
      const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
      if (!Array.isArray(value)) {
        const problem = unstorableText(key);
        if (problem) return `Request body keys ${problem} (at ${path})`;
        if (key === "__proto__") return `Request body must not have a "__proto__" key (at ${path})`;
      }
      const child = holder[key];
      if (typeof child === "string") {
        const problem = unstorableText(child);
        if (problem) return `Request body strings ${problem} (at ${at})`;
      } else if (typeof child === "number") {
        if (!Number.isFinite(child)) {
          return `Request body number at ${at} is too large to store (a double holds at most ~1.8e308)`;
        }
        if (Object.is(child, -0)) holder[key] = 0;
      } else if (typeof child === "object" && child !== null) {
        pending.push([child, at, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * Parses a raw body that must be a JSON object that can be stored as sent and echoed (see
 * `unstorableJson`, which also turns `-0` into the 0 the echo shows).
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
