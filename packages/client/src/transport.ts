import type { Connection, FetchLike } from "@wfc/browser";

export type { FetchLike };

/**
 * Where requests go and how: a base URL the request URLs are built on (the Lambda transport
 * ignores its host) and the `fetch` they are handed to, which decides whether that is HTTPS or
 * a Lambda invocation. The browser client's connection, so its live feeds run over either.
 */
export type Transport = Connection;

/** Adds `Authorization: Bearer <apiKey>` to every request, unless one is already set. */
export function withApiKey(fetch: FetchLike, apiKey: string | undefined): FetchLike {
  if (!apiKey) return fetch;
  return (input, init) => {
    const request = new Request(input, init);
    if (!request.headers.has("authorization")) {
      request.headers.set("authorization", `Bearer ${apiKey}`);
    }
    return fetch(request);
  };
}
