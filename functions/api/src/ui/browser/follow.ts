import { readServerSentEvents } from "@wfc/browser";
import type { LiveFeedLimit } from "@wfc/core/contracts";
import { askForKey, headers } from "./api.js";
import { sleep } from "./dom.js";

// Checked against the contract's literal: no part of core runs in the browser.
const TIME_LIMIT_EVENT: LiveFeedLimit["event"] = "reconnect";

/** Gets each event of a feed: its name, parsed data and id; true ends the feed (an "end" event). */
export type FeedHandler = (event: string, data: unknown, id: string | undefined) => boolean;

/**
 * Reads server-sent events from `path` until `onEvent` returns true (an "end" event) or `signal`
 * aborts; reconnects after a dropped connection (after a second) or the feed's time-limit event
 * (at once), resuming after the last id seen, as EventSource would. Read with fetch() rather
 * than EventSource, which cannot send an Authorization header.
 */
export async function follow(path: string, onEvent: FeedHandler, signal: AbortSignal) {
  let lastId: string | undefined;
  while (!signal.aborted) {
    let timeUp = false;
    try {
      const extra: Record<string, string> = { accept: "text/event-stream" };
      if (lastId !== undefined) extra["last-event-id"] = lastId;
      const response = await fetch(path, { headers: headers(extra), signal });
      if (response.status === 401) return askForKey();
      if (response.status === 404) return; // an unknown workflow: retrying cannot help
      if (!response.ok || !response.body) throw new Error("HTTP " + response.status);
      for await (const event of readServerSentEvents(response.body)) {
        if (event.id !== undefined) lastId = event.id;
        if (event.event === TIME_LIMIT_EVENT) timeUp = true;
        else if (onEvent(event.event, JSON.parse(event.data), event.id)) return;
      }
    } catch {
      if (signal.aborted) return;
    }
    if (!timeUp) await sleep(1000);
  }
}
