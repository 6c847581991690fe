import { $, el } from "./dom.js";
import { follow } from "./follow.js";

/** The log shown, if any: its workflow, and the controller of its feed. */
let shown: { id: string; abort: AbortController } | null = null;

/** One line of the log: the record's `type`, then its other fields. */
function line(data: unknown): string {
  const record =
    data && typeof data === "object"
      ? (data as Record<string, unknown>)
      : { type: "value", value: data };
  const { type, ...rest } = record;
  // The timestamp is noise in a log read live: the order of the lines already tells time.
  delete rest.timestamp;
  return String(type) + " " + JSON.stringify(rest);
}

/** Follows stream `stream` of workflow `id` in the log panel, in place of the log shown. */
export function showLog(id: string, stream: string) {
  if (shown && shown.id === id) return;
  if (shown) shown.abort.abort();
  shown = { id, abort: new AbortController() };
  $("log").replaceChildren();
  $("log-source").textContent = "Following " + id;
  const path =
    "/workflow-stream/" + encodeURIComponent(id) + "/live?key=" + encodeURIComponent(stream);
  void follow(
    path,
    (event, data, offset) => {
      if (event === "end") {
        const reason = (data as { reason?: string } | null)?.reason;
        $("log-source").textContent = id + ": stream " + (reason || "ended");
        return true;
      }
      if (event !== "value") return false;
      const item = el("li", { textContent: line(data) });
      if (offset !== undefined) item.dataset.offset = offset;
      $("log").append(item);
      item.scrollIntoView({ block: "nearest" });
      return false;
    },
    shown.abort.signal,
  );
}
