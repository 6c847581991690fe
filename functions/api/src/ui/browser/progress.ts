import type { DashboardKind } from "../dashboard-kind.js";
import { $, el } from "./dom.js";
import { follow } from "./follow.js";

export type ProgressHint = NonNullable<DashboardKind["progress"]>;

// Browsers allow 6 connections per origin: leave room for polling and POSTs.
const MAX_FEEDS = 3;
/** Workflows whose bar is live, oldest first: the AbortController of each one's feed. */
const feeds = new Map<string, AbortController>();

/** Whether another bar can go live without closing one. */
export const roomForFeed = () => feeds.size < MAX_FEEDS;

/** The bar of workflow `id`, added to the panel when it has none yet. */
function progressItem(id: string): HTMLLIElement {
  const existing = document.querySelector<HTMLLIElement>(
    '#progress li[data-id="' + CSS.escape(id) + '"]',
  );
  if (existing) return existing;
  const bar = el("div", { className: "bar" }, el("div"));
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  bar.setAttribute("aria-valuenow", "0");
  bar.setAttribute("aria-label", "Progress of " + id);
  const meta = el(
    "div",
    { className: "meta" },
    el("span", { className: "percent" }),
    " ",
    el("span", { className: "status", textContent: "waiting to start" }),
  );
  const item = el("li", {}, el("strong", { textContent: id }), bar, meta);
  item.dataset.id = id;
  $("progress").prepend(item);
  $("progress-empty").hidden = true;
  return item;
}

/** Draws workflow `id`'s progress events live, on a bar of its own (the oldest feed makes room). */
export function watchProgress(id: string, progress: ProgressHint) {
  if (feeds.has(id)) return;
  if (!roomForFeed()) {
    const [oldest, abort] = feeds.entries().next().value!;
    abort.abort();
    feeds.delete(oldest);
  }
  const abort = new AbortController();
  feeds.set(id, abort);
  const item = progressItem(id);
  const bar = item.querySelector<HTMLElement>(".bar")!;
  const path = "/workflow-events/" + encodeURIComponent(id) + "/all/live";
  void follow(
    path,
    (event, data) => {
      if (event === "end") {
        feeds.delete(id);
        return true;
      }
      if (event !== "change") return false;
      const { key, value } = data as { key: string; value: unknown };
      if (key === progress.percent && typeof value === "number") {
        bar.setAttribute("aria-valuenow", String(value));
        (bar.firstChild as HTMLElement).style.width = value + "%";
        item.querySelector(".percent")!.textContent = value + " %";
        bar.classList.toggle("done", value >= 100);
      } else if (key === progress.status) {
        item.querySelector(".status")!.textContent = String(value).replace(/_/g, " ");
      }
      return false;
    },
    abort.signal,
  );
}
