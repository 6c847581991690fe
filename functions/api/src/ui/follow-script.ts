import { liveFeedLimit } from "@wfc/core";

/**
 * The dashboard's reader of server-sent events, browser JavaScript included in its script (it
 * uses the script's `headers`, `askForKey` and `sleep`). Live feeds are read with fetch() rather
 * than EventSource because EventSource cannot send an Authorization header: the key stays in a
 * header (and in sessionStorage), never in a URL where access logs and browser history would
 * keep it. The reader resends Last-Event-ID after a dropped connection, as EventSource would,
 * and at once after the feed's time-limit event.
 */
export const FOLLOW_SCRIPT = String.raw`const TIME_LIMIT_EVENT = ${JSON.stringify(liveFeedLimit.event)};

/**
 * Reads server-sent events from path until onEvent returns true (an "end" event) or signal
 * aborts; reconnects after a dropped connection (after a second) or the feed's time-limit
 * event (at once), resuming after the last id seen.
 */
async function follow(path, onEvent, signal) {
  let lastId;
  while (!signal.aborted) {
    let timeUp = false;
    try {
      const extra = { accept: "text/event-stream" };
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
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = { event: "message", data: [] };
          for (const line of block.split("\n")) {
            if (line === "" || line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (field === "data") event.data.push(text);
            else if (field === "event") event.event = text;
            else if (field === "id") lastId = event.id = text;
          }
          if (event.data.length === 0) continue;
          if (event.event === TIME_LIMIT_EVENT) timeUp = true;
          else if (onEvent(event.event, JSON.parse(event.data.join("\n")), event.id)) return;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
    }
    if (!timeUp) await sleep(1000);
  }
}
`;
