import type { LiveFeedLimit } from "@wfc/core/contracts";
import { askForKey, headers } from "./api.js";
import { sleep } from "./dom.js";

// Checked against the contract's literal: no part of core runs in the browser.
const TIME_LIMIT_EVENT: LiveFeedLimit["event"] = "reconnect";

/** Gets each event of a feed: its name, parsed data and id; true ends the feed (an "end" event). */
export type FeedHandler = (event: string, data: unknown, id: string | undefined) => boolean;

interface ServerSentEvent {
  event: string;
  data: string[];
  id?: string;
}

/** The events of one block of a feed's text ("field: value" lines), in RFC 8895's terms. */
function parseBlock(block: string): ServerSentEvent {
  const event: ServerSentEvent = { event: "message", data: [] };
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") event.data.push(text);
    else if (field === "event") event.event = text;
    else if (field === "id") event.id = text;
  }
  return event;
}

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
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = (buffer + value).replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event.id !== undefined) lastId = event.id;
          if (event.data.length === 0) continue;
          if (event.event === TIME_LIMIT_EVENT) timeUp = true;
          else if (onEvent(event.event, JSON.parse(event.data.join("\n")), event.id)) return;
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    if (!timeUp) await sleep(1000);
  }
}
