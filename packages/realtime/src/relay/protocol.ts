import type { EventsBatch } from "../follow-events.js";
import type { StreamBatch } from "../follow-stream.js";

/**
 * The change relay's wire protocol. The relay (hosted by the worker, a long-running process)
 * holds the one LISTEN connection and answers the API's waits, so that a waiting Lambda
 * environment holds no database connection. Requests are `GET <path>?<query>`; answers are
 * newline-delimited JSON, one `RelayMessage` a line, with a heartbeat while nothing else is sent
 * so the caller can tell a silent relay from a quiet workflow.
 */
export const RELAY_PATHS = {
  /** `workflow_id`, `key`, `timeout_ms`: one `event` line when set or when the time is up. */
  event: "/v1/event",
  /** `workflow_id`, `key`, `offset`: `stream` lines until one carries `end`. */
  stream: "/v1/stream",
  /** `workflow_id`: `events` lines until one carries `end`. */
  events: "/v1/events",
} as const;

/**
 * How soon the relay's first line (a heartbeat, written as it accepts the wait) must arrive: a
 * relay that is not there is noticed fast, while a 1 s wait can still finish on time without it.
 */
export const RELAY_FIRST_LINE_MS = 500;

/** How often the relay writes a heartbeat line on a quiet answer. */
export const RELAY_HEARTBEAT_MS = 1_000;

/** A caller gives up on a relay that has written nothing for this long. */
export const RELAY_SILENCE_MS = 3 * RELAY_HEARTBEAT_MS;

/** The content type of relay answers. */
export const RELAY_CONTENT_TYPE = "application/x-ndjson";

export type RelayMessage =
  | { t: "heartbeat" }
  | { t: "event"; found: boolean; value?: unknown }
  | ({ t: "stream" } & StreamBatch)
  | ({ t: "events" } & EventsBatch)
  /** The relay could not read the database; the caller answers 503 or reads itself. */
  | { t: "unavailable" }
  /** The relay failed otherwise (a bug, logged there): the caller fails as its own wait would. */
  | { t: "error" };

/** One line of an answer. */
export const encodeRelayMessage = (message: RelayMessage) => `${JSON.stringify(message)}\n`;
