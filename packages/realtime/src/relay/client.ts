import { request as httpRequest, type IncomingMessage } from "node:http";
import { createInterface } from "node:readline";
import { AppError, TooManyRequestsError, UnavailableError } from "@wfc/core";
import type { EventsBatch } from "../follow-events.js";
import type { StreamBatch } from "../follow-stream.js";
import type { Waits } from "../waits.js";
import {
  RELAY_FIRST_LINE_MS,
  RELAY_PATHS,
  RELAY_SILENCE_MS,
  type RelayMessage,
} from "./protocol.js";

/** Why a relay answer was given up: the caller then waits by itself. */
class RelayLost extends Error {}

/**
 * The relay failed in a way that is no database's (a bug, logged there): the wait fails as it
 * would have here, a 500 without internals (or a live feed's `Live stream interrupted`).
 */
export class RelayFailed extends Error {
  constructor() {
    super("The change relay failed to answer (see its log)");
  }
}

/** The change relay: `CHANGE_RELAY_URL` and the secret it wants (`CHANGE_RELAY_SECRET`). */
export interface RelayTarget {
  baseUrl: string;
  secret: string;
}

/**
 * Reads one relay answer line by line. Throws `RelayLost` when the relay cannot be reached, does
 * not answer 200 with a first line within `RELAY_FIRST_LINE_MS`, goes silent for
 * `RELAY_SILENCE_MS` (heartbeats stop: a dead task or a cut path), passes `until` (a
 * `performance.now()` time), or ends without a final message.
 */
async function* relayAnswer(
  { baseUrl, secret }: RelayTarget,
  path: string,
  query: Record<string, string | number>,
  { signal, until }: { signal?: AbortSignal; until?: number },
): AsyncGenerator<RelayMessage> {
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
  const abort = new AbortController();
  const stop = () => abort.abort();
  signal?.addEventListener("abort", stop, { once: true });
  let watchdog: NodeJS.Timeout | undefined;
  const quiet = (silenceMs: number) => {
    clearTimeout(watchdog);
    const left = until === undefined ? silenceMs : until - performance.now();
    watchdog = setTimeout(stop, Math.max(0, Math.min(silenceMs, left)));
  };
  quiet(RELAY_FIRST_LINE_MS);
  try {
    // A connection of its own per answer: nothing is kept open across a freeze.
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const headers = { authorization: `Bearer ${secret}` };
      const req = httpRequest(url, { agent: false, signal: abort.signal, headers }, resolve);
      req.once("error", reject);
      req.end();
    });
    // Too many feeds of this workflow at the relay: the client is told to retry, since waiting
    // here instead would only move the same feeds' reads onto the database.
    if (response.statusCode === 429) throw new TooManyRequestsError(await detailOf(response));
    if (response.statusCode !== 200) {
      response.resume();
      throw new RelayLost(`relay answered ${response.statusCode}`);
    }
    for await (const line of createInterface({ input: response, crlfDelay: Infinity })) {
      quiet(RELAY_SILENCE_MS);
      if (!line) continue;
      const message = JSON.parse(line) as RelayMessage;
      if (message.t === "error") throw new RelayFailed();
      yield message;
    }
    throw new RelayLost("relay answer ended early");
  } catch (error) {
    if (error instanceof RelayLost || error instanceof RelayFailed || error instanceof AppError)
      throw error;
    throw new RelayLost(String(error), { cause: error });
  } finally {
    clearTimeout(watchdog);
    signal?.removeEventListener("abort", stop);
    abort.abort();
  }
}

/** The `detail` of a relay's refusal (our own words: the relay is ours). */
async function detailOf(response: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of response) text += String(chunk);
  try {
    return String((JSON.parse(text) as { detail?: unknown }).detail ?? "Too many live feeds");
  } catch {
    return "Too many live feeds";
  }
}

/**
 * Waits through the change relay at `relay` (`CHANGE_RELAY_URL`): this process opens no LISTEN
 * and holds no database connection while it waits. When the relay cannot be reached, refuses
 * (a wrong secret, full) or stops answering, the wait goes on in `fallback` (reads of this
 * process's own) from where the relay left it: nothing is lost or repeated, only slower.
 */
export function relayWaits(relay: RelayTarget, fallback: Waits): Waits {
  return {
    async event(workflowId, key, timeoutMs, signal) {
      const deadline = performance.now() + timeoutMs;
      try {
        const query = { workflow_id: workflowId, key, timeout_ms: Math.ceil(timeoutMs) };
        // Past the timeout by more than the relay's own last read may run.
        const answer = relayAnswer(relay, RELAY_PATHS.event, query, {
          signal,
          until: deadline + 1_000,
        });
        for await (const message of answer) {
          if (message.t === "event") return { found: message.found, value: message.value };
          // The relay is fine, the database is not: reading here would fail the same way.
          if (message.t === "unavailable") {
            throw new UnavailableError("The database is unavailable, retry shortly");
          }
        }
      } catch (error) {
        if (!(error instanceof RelayLost)) throw error;
      }
      if (signal?.aborted) return { found: false };
      return fallback.event(workflowId, key, Math.max(0, deadline - performance.now()), signal);
    },

    async *stream(workflowId, key, fromOffset, signal) {
      let offset = fromOffset;
      try {
        const query = { workflow_id: workflowId, key, offset };
        for await (const message of relayAnswer(relay, RELAY_PATHS.stream, query, { signal })) {
          if (message.t === "unavailable") break;
          // Heartbeats become empty batches: the caller's chance to send keep-alives.
          const batch: StreamBatch =
            message.t === "stream" ? { values: message.values, end: message.end } : { values: [] };
          if (batch.end === undefined) delete batch.end;
          offset += batch.values.length;
          yield batch;
          if (batch.end) return;
        }
      } catch (error) {
        if (!(error instanceof RelayLost)) throw error;
      }
      if (signal.aborted) return;
      yield* fallback.stream(workflowId, key, offset, signal);
    },

    async *events(workflowId, signal) {
      // What the caller has been given, so a switch to the fallback repeats nothing.
      const delivered = new Map<string, string>();
      let waitingDelivered = "null";
      const fresh = (batch: EventsBatch): EventsBatch => {
        const changed: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(batch.changed)) {
          const encoded = JSON.stringify(value);
          if (delivered.get(key) === encoded) continue;
          delivered.set(key, encoded);
          changed[key] = value;
        }
        const out: EventsBatch = { changed };
        // A relay of an older release sends none: the feed then announces no wait.
        if (
          batch.waitingFor !== undefined &&
          JSON.stringify(batch.waitingFor) !== waitingDelivered
        ) {
          waitingDelivered = JSON.stringify(batch.waitingFor);
          out.waitingFor = batch.waitingFor;
        }
        return batch.end ? { ...out, end: true } : out;
      };
      try {
        const query = { workflow_id: workflowId };
        for await (const message of relayAnswer(relay, RELAY_PATHS.events, query, { signal })) {
          if (message.t === "unavailable") break;
          const batch = fresh(message.t === "events" ? message : { changed: {} });
          yield batch;
          if (batch.end) return;
        }
      } catch (error) {
        if (!(error instanceof RelayLost)) throw error;
      }
      if (signal.aborted) return;
      for await (const batch of fallback.events(workflowId, signal)) yield fresh(batch);
    },
  };
}
