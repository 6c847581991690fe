import type { FetchLike } from "@wfc/browser";

export type { FetchLike };

/**
 * Where requests go and how. The client builds ordinary `Request`s against `baseUrl` and hands
 * them to `fetch`; a transport decides whether that is HTTPS or a Lambda invocation.
 */
export interface Transport {
  /** Base URL the request URLs are built on (the Lambda transport ignores its host). */
  baseUrl: string;
  fetch: FetchLike;
}

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
