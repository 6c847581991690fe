/** A fetch-compatible function: what every request is sent through. */
export type FetchLike = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

/** Where requests go (`baseUrl`, no trailing slash) and through which fetch. */
export interface Connection {
  baseUrl: string;
  fetch: FetchLike;
}
