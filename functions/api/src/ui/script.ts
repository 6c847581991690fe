import { liveFeedLimit } from "@wfc/core";

/**
 * The dashboard's client script, plain browser JavaScript served as is (no bundler, no
 * framework). Live feeds are read with fetch() rather than EventSource because EventSource
 * cannot send an Authorization header: the key stays in a header (and in sessionStorage), never
 * in a URL where access logs and browser history would keep it. The stream reader resends
 * Last-Event-ID after a dropped connection, as EventSource would, and at once after the feed's
 * time-limit event.
 */
export const SCRIPT = String.raw`"use strict";
const TIME_LIMIT_EVENT = ${JSON.stringify(liveFeedLimit.event)};
const KEY_STORE = "wfc.apiKey";
const POLL_MS = 2000;
const MAX_FEEDS = 3; // browsers allow 6 connections per origin: leave room for polling and POSTs
const ACTIVE = ["PENDING", "ENQUEUED"];
const $ = (id) => document.getElementById(id);
let apiKey = sessionStorage.getItem(KEY_STORE) || "";
let needKey = false;
const sent = new Set(); // messaging workflows answered from this page
const feeds = new Map(); // events workflow id -> AbortController of its live feed
let log = null; // { id, abort }

const el = (tag, props, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};
const notify = (text, error) => {
  $("notice").textContent = text;
  $("notice").className = error ? "error" : "";
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const headers = (extra) => Object.assign(apiKey ? { authorization: "Bearer " + apiKey } : {}, extra);

class Unauthorized extends Error {}

function askForKey() {
  needKey = true;
  $("key-reason").textContent = apiKey ? "That key was not accepted." : "This API requires a key.";
  const section = $("key-section");
  if (section.hidden) {
    section.hidden = false;
    $("key-input").focus();
  }
}

async function api(path, init) {
  const response = await fetch(path, Object.assign({}, init, { headers: headers(init && init.headers) }));
  if (response.status === 401) {
    askForKey();
    throw new Unauthorized("API key required");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || response.status + " " + response.statusText);
  return body;
}

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

function watchProgress(id) {
  if (feeds.has(id)) return;
  if (feeds.size >= MAX_FEEDS) {
    const [oldest, abort] = feeds.entries().next().value;
    abort.abort();
    feeds.delete(oldest);
  }
  const abort = new AbortController();
  feeds.set(id, abort);
  let item = document.querySelector('#progress li[data-id="' + CSS.escape(id) + '"]');
  if (!item) {
    const fill = el("div");
    const bar = el("div", { className: "bar" }, fill);
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-valuenow", "0");
    bar.setAttribute("aria-label", "Progress of " + id);
    item = el("li", {}, el("strong", { textContent: id }), bar, el("div", { className: "meta" }, el("span", { className: "percent" }), " ", el("span", { className: "status", textContent: "waiting to start" })));
    item.dataset.id = id;
    $("progress").prepend(item);
    $("progress-empty").hidden = true;
  }
  const bar = item.querySelector(".bar");
  void follow("/workflow-events/" + encodeURIComponent(id) + "/all", (event, data) => {
    if (event === "end") {
      feeds.delete(id);
      return true;
    }
    if (event !== "change") return false;
    if (data.key === "progress" && typeof data.value === "number") {
      bar.setAttribute("aria-valuenow", String(data.value));
      bar.firstChild.style.width = data.value + "%";
      item.querySelector(".percent").textContent = data.value + " %";
      bar.classList.toggle("done", data.value >= 100);
    } else if (data.key === "status") {
      item.querySelector(".status").textContent = String(data.value).replace(/_/g, " ");
    }
    return false;
  }, abort.signal);
}

function showLog(id) {
  if (log && log.id === id) return;
  if (log) log.abort.abort();
  log = { id, abort: new AbortController() };
  $("log").replaceChildren();
  $("log-source").textContent = "Following " + id;
  void follow("/workflow-stream/" + encodeURIComponent(id) + "/live", (event, data, offset) => {
    if (event === "end") {
      $("log-source").textContent = id + ": stream " + (data.reason || "ended");
      return true;
    }
    if (event !== "value") return false;
    // The timestamp is noise in a log read live: the order of the lines already tells time.
    const { type, timestamp, ...rest } = data && typeof data === "object" ? data : { type: "value", value: data };
    const line = el("li", { textContent: type + " " + JSON.stringify(rest) });
    line.dataset.offset = offset;
    $("log").append(line);
    line.scrollIntoView({ block: "nearest" });
    return false;
  }, log.abort.signal);
}

async function answer(id, approved, message) {
  const body = approved ? { approved: true } : { approved: false, reason: "Rejected" };
  if (message) body.message = message;
  try {
    await api("/send-message/" + encodeURIComponent(id), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    sent.add(id);
    notify((approved ? "Approved " : "Rejected ") + id);
    await refresh();
  } catch (error) {
    if (!(error instanceof Unauthorized)) notify("Could not answer " + id + ": " + error.message, true);
  }
}

function approvalItem(w) {
  const message = el("input", { type: "text", placeholder: "optional" });
  const approve = el("button", { type: "button", textContent: "Approve" });
  const reject = el("button", { type: "button", className: "reject", textContent: "Reject" });
  approve.setAttribute("aria-label", "Approve " + w.workflow_id);
  reject.setAttribute("aria-label", "Reject " + w.workflow_id);
  approve.onclick = () => void answer(w.workflow_id, true, message.value.trim());
  reject.onclick = () => void answer(w.workflow_id, false, message.value.trim());
  const item = el("li", {}, el("strong", { textContent: w.workflow_id }),
    el("form", { onsubmit: (e) => e.preventDefault() }, el("label", {}, "Message", message), approve, reject));
  item.dataset.id = w.workflow_id;
  return item;
}

function age(createdAt) {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(createdAt).getTime()) / 1000));
  if (seconds < 60) return seconds + " s";
  if (seconds < 3600) return Math.floor(seconds / 60) + " min";
  if (seconds < 86400) return Math.floor(seconds / 3600) + " h";
  return Math.floor(seconds / 86400) + " d";
}

function row(w) {
  const cells = [w.workflow_id, w.kind || "", w.status, age(w.created_at)].map((text) => el("td", { textContent: text }));
  cells[2].className = "status-" + w.status;
  const action = el("td");
  if (w.kind === "events") {
    action.append(el("button", { type: "button", className: "secondary", textContent: "Progress", onclick: () => watchProgress(w.workflow_id) }));
  } else if (w.kind === "streaming") {
    action.append(el("button", { type: "button", className: "secondary", textContent: "Log", onclick: () => showLog(w.workflow_id) }));
  }
  action.querySelector("button")?.setAttribute("aria-label", action.textContent + " of " + w.workflow_id);
  const tr = el("tr", {}, ...cells, action);
  tr.dataset.id = w.workflow_id;
  return tr;
}

/** Replaces the rows of the list whose content changed; keeps the others (and their focus). */
function renderList(workflows) {
  const body = $("workflows");
  const old = new Map([...body.children].map((tr) => [tr.dataset.id, tr]));
  const rows = workflows.map((w) => {
    const fresh = row(w);
    const current = old.get(w.workflow_id);
    return current && current.textContent === fresh.textContent ? current : fresh;
  });
  body.replaceChildren(...rows);
}

function renderApprovals(workflows) {
  const waiting = workflows.filter((w) => w.kind === "messaging" && ACTIVE.includes(w.status) && !sent.has(w.workflow_id));
  const list = $("approvals");
  const old = new Map([...list.children].map((li) => [li.dataset.id, li]));
  list.replaceChildren(...waiting.map((w) => old.get(w.workflow_id) || approvalItem(w)));
  $("approvals-empty").hidden = waiting.length > 0;
}

async function refresh() {
  if (needKey) return;
  try {
    const { workflows } = await api("/workflows?limit=20");
    renderList(workflows);
    renderApprovals(workflows);
    for (const w of workflows) {
      if (w.kind === "events" && ACTIVE.includes(w.status) && feeds.size < MAX_FEEDS) watchProgress(w.workflow_id);
    }
    if (!$("notice").classList.contains("error")) return;
    notify("");
  } catch (error) {
    if (!(error instanceof Unauthorized)) notify("Could not list workflows: " + error.message, true);
  }
}

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  apiKey = $("key-input").value.trim();
  sessionStorage.setItem(KEY_STORE, apiKey);
  $("key-input").value = "";
  needKey = false;
  $("key-section").hidden = true;
  void refresh();
});

$("start-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const kind = $("start-kind").value;
  const steps = $("start-steps").value;
  const id = kind + "-" + Date.now().toString(36);
  try {
    await api("/start-workflow-" + kind + "/" + id + "/" + steps, { method: "POST" });
    notify("Started " + id);
    if (kind === "events") watchProgress(id);
    if (kind === "streaming") showLog(id);
    await refresh();
  } catch (error) {
    if (!(error instanceof Unauthorized)) notify("Could not start: " + error.message, true);
  }
});

void refresh();
setInterval(() => void refresh(), POLL_MS);
`;
