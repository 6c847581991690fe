import type { LogRecord } from "@wfc/core/contracts";
import { $, el } from "./dom.js";
import { follow } from "./follow.js";

/** The log shown, if any: its workflow, and the controller of its feed. */
let shown: { id: string; abort: AbortController } | null = null;

/** Whether `data` has the shape every logged kind declares for its records (`dashboard.log`). */
const isLogRecord = (data: unknown): data is LogRecord & Record<string, unknown> =>
  typeof data === "object" && data !== null && typeof (data as LogRecord).type === "string";

/** One line of the log: the record's `type`, then its other fields. */
function line(data: unknown): string {
  // Defined kinds cannot log records without one; a value written past its kind's types shows whole.
  const { type, ...rest } = isLogRecord(data) ? data : { type: "value", value: data };
  // The timestamp is noise in a log read live: the order of the lines already tells time.
  delete rest.timestamp;
  return type + " " + JSON.stringify(rest);
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
