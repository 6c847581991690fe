import { withApiKey, type FetchLike, type Transport } from "./transport.js";

export interface HttpTransportOptions {
  /** The API's URL, e.g. `http://localhost:8000` or a deployed stage's `ApiUrl` output. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` (needed when the API has `API_KEYS`). */
  apiKey?: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
}

/** HTTPS transport for public callers: plain `fetch` against the API's URL. */
export function httpTransport({ baseUrl, apiKey, fetch }: HttpTransportOptions): Transport {
  const base = fetch ?? ((input, init) => globalThis.fetch(input, init));
  return { baseUrl: baseUrl.replace(/\/+$/, ""), fetch: withApiKey(base, apiKey) };
}
