import type { WorkflowSummary } from "@wfc/core/contracts";
import type { Connection, FetchLike } from "./connection.js";
import { WorkflowApiError } from "./errors.js";
import {
  followEvents,
  followStream,
  type FollowEventsOptions,
  type FollowStreamOptions,
} from "./live.js";
import { authorizedFetch, tokenSource, type TokenOptions } from "./token.js";

/** Options of `createBrowserClient`. */
export interface BrowserClientOptions extends TokenOptions {
  /** The API's URL, e.g. `https://api.example.com` (a trailing slash is ignored). */
  baseUrl: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
}

/** Options of `sendMessage`. */
export interface SendMessageOptions {
  /** The topic (default: the seed's `notification`); the workflow's kind must declare it. */
  topic?: string;
  /** A retried send with the same key is delivered once. */
  idempotencyKey?: string;
}

/** The JSON of a 2xx answer; anything else throws `WorkflowApiError` (`status`, `detail`). */
async function json<T>(pending: Promise<Response>): Promise<T> {
  const response = await pending;
  if (!response.ok) throw await WorkflowApiError.from(response);
  return (await response.json()) as T;
}

/**
 * A client of the workflow API for browsers: plain fetch, no Node built-ins. Every request
 * carries the token (`token`, or `getToken`'s, renewed before it expires and after a 401).
 */
export function createBrowserClient({ baseUrl, fetch, ...token }: BrowserClientOptions) {
  const base = fetch ?? ((input, init) => globalThis.fetch(input, init));
  const connection: Connection = {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    fetch: authorizedFetch(base, tokenSource(token)),
  };
  const get = <T>(path: string) => json<T>(connection.fetch(connection.baseUrl + path));
  const id = encodeURIComponent;
  return {
    /** Status, output or error, and `waiting_for` (the receive it is blocked in, or null). */
    getWorkflow: (workflowId: string) => get<WorkflowSummary>(`/workflows/${id(workflowId)}`),
    /** Event changes live; `onWaitingFor` hears what the workflow waits for. */
    followEvents: (workflowId: string, options?: FollowEventsOptions) =>
      followEvents(connection, workflowId, options),
    /** A stream's values live, resumed across reconnects (and reloads, with `cursorStore`). */
    followStream: <T = unknown>(workflowId: string, options?: FollowStreamOptions) =>
      followStream<T>(connection, workflowId, options),
    /** Sends a JSON object on `topic`. @throws WorkflowApiError 409 for an undeclared topic. */
    sendMessage: (
      workflowId: string,
      payload: Record<string, unknown>,
      { topic, idempotencyKey }: SendMessageOptions = {},
    ) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
      const query = topic === undefined ? "" : `?topic=${encodeURIComponent(topic)}`;
      return json<{ workflow_id: string; message: string; payload: Record<string, unknown> }>(
        connection.fetch(`${connection.baseUrl}/send-message/${id(workflowId)}${query}`, {
          method: "POST",
          headers,
          body: JSON.stringify(payload),
        }),
      );
    },
  };
}

/** The client `createBrowserClient` returns. */
export type BrowserClient = ReturnType<typeof createBrowserClient>;
