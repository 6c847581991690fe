import type {
  DEFAULT_STREAM,
  LiveFeedLimit,
  WaitingFor,
  WaitingForEvent,
} from "@wfc/core/contracts";
import { WorkflowApiError } from "./errors.js";
import { readServerSentEvents, type ServerSentEvent } from "./sse.js";
import type { Connection } from "./connection.js";

export interface FollowOptions {
  /** Stops following (the iterator then throws the abort reason). */
  signal?: AbortSignal;
  /** Reconnections in a row without a new event before giving up (default 5). */
  maxRetries?: number;
  /** First reconnection delay in ms, doubled per failure in a row (default 200). */
  retryDelayMs?: number;
}

/** Options of `followEvents`. */
export interface FollowEventsOptions extends FollowOptions {
  /**
   * Called with what the workflow waits for (`{topic, since, deadline}`) when it starts waiting,
   * and with null when the wait ends (message, timeout, or the workflow's end): an approval UI
   * shows its buttons in between. Never called twice in a row with the same value.
   */
  onWaitingFor?: (waitingFor: WaitingFor | null) => void;
}

/** Where a stream's reader keeps its place: `sessionStorage`, `localStorage`, or your own. */
export interface CursorStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Which stream to follow, and from where. */
export interface FollowStreamOptions extends FollowOptions {
  /** The stream's key (default: the seed's `progress_stream`). */
  key?: string;
  /** The first offset to deliver (default 0). */
  offset?: number;
  /**
   * Start at the stream's last `tail` values instead (1..`MAX_STREAM_TAIL` of `@wfc/core`; not
   * with `offset`). Once a value has arrived, reconnections go on after it (the server lets
   * Last-Event-ID win); before, they ask for the tail again.
   */
  tail?: number;
  /**
   * Keeps the next offset to read under `wfc:stream:<workflow>:<key>` after each value, and
   * starts from it when it holds one (over `offset` and `tail`): a page reloaded with the same
   * `sessionStorage` goes on after the last value it showed.
   */
  cursorStore?: CursorStore;
}

/** A stream value and its offset (its `id:` in the event stream). */
export interface StreamValue<T = unknown> {
  offset: number;
  value: T;
}

/** A changed event: key and new value. */
export interface EventChange {
  key: string;
  value: unknown;
}

const LIVE_HEADERS = { accept: "text/event-stream" };

/** The seed's stream, which the API reads when no `key` is given: checked against core's. */
const DEFAULT_KEY: typeof DEFAULT_STREAM = "progress_stream";

/** The event announcing what a workflow waits for: checked against the API's by type. */
const WAITING_FOR_EVENT: WaitingForEvent = "waiting_for";

/** The event a feed ends with when its time is up: the compiler checks it against the API's. */
const TIME_LIMIT_EVENT: LiveFeedLimit["event"] = "reconnect";

/** 503 (database restarting) and 5xx from a proxy are worth retrying; 4xx never is. */
const retryable = (error: unknown) => !(error instanceof WorkflowApiError) || error.status >= 500;

/**
 * Runs `connect` and yields what `handle` makes of each event, reconnecting when the response
 * ends without an `end` event or the connection breaks. `handle` returns "end" to finish. A
 * `reconnect` event (the feed's time is up) reconnects at once: it is not a failure.
 */
async function* reconnecting<T>(
  connect: () => Promise<Response>,
  handle: (event: ServerSentEvent) => T | "end" | undefined,
  { signal, maxRetries = 5, retryDelayMs = 200 }: FollowOptions,
): AsyncGenerator<T> {
  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const response = await connect();
      if (!response.ok || !response.body) throw await WorkflowApiError.from(response);
      let timeUp = false;
      for await (const event of readServerSentEvents(response.body)) {
        if (event.event === TIME_LIMIT_EVENT) {
          timeUp = true;
          break;
        }
        const out = handle(event);
        if (out === "end") return;
        if (out !== undefined) {
          failures = 0;
          yield out;
        }
      }
      if (timeUp) continue;
      // Ended without `end` or `reconnect`: a proxy or the network cut it.
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!retryable(error) || failures >= maxRetries) throw error;
    }
    failures += 1;
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (failures - 1)));
  }
}

/** The `error` event the server sends when it had to break the stream off: reconnect. */
const interrupted = (event: ServerSentEvent) => {
  if (event.event === "error") throw new Error(`Live stream interrupted: ${event.data}`);
};

const path = (prefix: string, workflowId: string, suffix: string) =>
  `${prefix}/${encodeURIComponent(workflowId)}${suffix}`;

/** A GET of a live feed, stopped by `signal`. */
const open = (
  { baseUrl, fetch }: Connection,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
) => fetch(baseUrl + url, signal ? { headers, signal } : { headers });

/** The storage key of a stream's cursor. */
export const cursorKey = (workflowId: string, key: string) => `wfc:stream:${workflowId}:${key}`;

/**
 * Follows a stream live: each value with its offset, until the stream closes or the workflow
 * finishes. A dropped connection, or a feed that reached the server's time limit (`reconnect`,
 * resumed at once), continues after the last value received (`Last-Event-ID`), so nothing is
 * skipped or repeated.
 */
export function followStream<T = unknown>(
  connection: Connection,
  workflowId: string,
  options: FollowStreamOptions = {},
): AsyncGenerator<StreamValue<T>> {
  const { cursorStore } = options;
  const storeKey = cursorKey(workflowId, options.key ?? DEFAULT_KEY);
  const stored = Number(cursorStore?.getItem(storeKey) ?? Number.NaN);
  const resumed = Number.isSafeInteger(stored) && stored > 0;
  let next = resumed ? stored : (options.offset ?? 0);
  let fromTail = !resumed && options.tail !== undefined;
  const connect = () => {
    const query = new URLSearchParams(options.key === undefined ? {} : { key: options.key });
    if (fromTail) query.set("tail", String(options.tail));
    else query.set("offset", String(next));
    // Last-Event-ID is what the server resumes after (as EventSource does on reconnect).
    const headers =
      next > 0 ? { ...LIVE_HEADERS, "last-event-id": String(next - 1) } : LIVE_HEADERS;
    return open(
      connection,
      path("/workflow-stream", workflowId, `/live?${query}`),
      headers,
      options.signal,
    );
  };
  return reconnecting(
    connect,
    (event) => {
      interrupted(event);
      if (event.event === "end") return "end";
      if (event.event !== "value") return undefined;
      const offset = Number(event.id);
      if (offset < next) return undefined; // already delivered before a reconnect
      next = offset + 1;
      fromTail = false;
      cursorStore?.setItem(storeKey, String(next));
      return { offset, value: JSON.parse(event.data) as T };
    },
    options,
  );
}

/**
 * Follows event changes live (`{key, value}`), until the workflow finishes. After a reconnect
 * the server repeats current values; a value equal to the one last delivered for its key is
 * skipped. `onWaitingFor` hears what the workflow waits for as that changes.
 */
export function followEvents(
  connection: Connection,
  workflowId: string,
  options: FollowEventsOptions = {},
): AsyncGenerator<EventChange> {
  const seen = new Map<string, string>();
  const { onWaitingFor } = options;
  let waiting = "null";
  const announce = (next: WaitingFor | null) => {
    if (JSON.stringify(next) === waiting) return;
    waiting = JSON.stringify(next);
    onWaitingFor?.(next);
  };
  let connected = false;
  const connect = async () => {
    const url = path("/workflow-events", workflowId, "/all/live");
    const response = await open(connection, url, LIVE_HEADERS, options.signal);
    // A feed announces no wait on connecting when there is none: a wait announced before a
    // reconnect may have ended meanwhile, so the workflow's status says. Read after the feed has
    // connected, so a wait begun since is still announced by the feed.
    if (connected && waiting !== "null" && response.ok) {
      const summary = await connection
        .fetch(connection.baseUrl + path("/workflows", workflowId, ""))
        .then((r) =>
          r.ok ? (r.json() as Promise<{ waiting_for?: WaitingFor | null }>) : undefined,
        )
        .catch(() => undefined);
      if (summary && "waiting_for" in summary) announce(summary.waiting_for ?? null);
    }
    connected = true;
    return response;
  };
  return reconnecting(
    connect,
    (event) => {
      interrupted(event);
      if (event.event === "end") {
        announce(null);
        return "end";
      }
      if (event.event === WAITING_FOR_EVENT) {
        announce(JSON.parse(event.data) as WaitingFor | null);
        return undefined;
      }
      if (event.event !== "change") return undefined;
      const change = JSON.parse(event.data) as EventChange;
      const value = JSON.stringify(change.value);
      if (seen.get(change.key) === value) return undefined;
      seen.set(change.key, value);
      return change;
    },
    options,
  );
}
