import { FOLLOW_SCRIPT } from "./follow-script.js";
import type { DashboardKind } from "./kinds.js";
import { START_FORM_SCRIPT } from "./start-form-script.js";

/**
 * The dashboard's client script, plain browser JavaScript served as is (no bundler, no
 * framework), generic over `kinds` (see `kinds.ts`), which it embeds as `KINDS`: what to start
 * and with which inputs, which buttons a waiting workflow gets, which feeds draw a bar or a log.
 */
export const dashboardScript = (kinds: DashboardKind[]) => String.raw`"use strict";
const KINDS = ${JSON.stringify(kinds)};
const KEY_STORE = "wfc.apiKey";
const POLL_MS = 2000;
const MAX_FEEDS = 3; // browsers allow 6 connections per origin: leave room for polling and POSTs
const ACTIVE = ["PENDING", "ENQUEUED"];
const $ = (id) => document.getElementById(id);
let apiKey = sessionStorage.getItem(KEY_STORE) || "";
let needKey = false;
const sent = new Set(); // waiting workflows answered from this page
const feeds = new Map(); // id of a workflow with a progress bar -> AbortController of its live feed
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

${FOLLOW_SCRIPT}
/** The kind of a listed workflow, when it is one the page can start. */
const kindOf = (w) => KINDS.find((k) => k.name === w.kind);

function watchProgress(id, progress) {
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
  void follow("/workflow-events/" + encodeURIComponent(id) + "/all/live", (event, data) => {
    if (event === "end") {
      feeds.delete(id);
      return true;
    }
    if (event !== "change") return false;
    if (data.key === progress.percent && typeof data.value === "number") {
      bar.setAttribute("aria-valuenow", String(data.value));
      bar.firstChild.style.width = data.value + "%";
      item.querySelector(".percent").textContent = data.value + " %";
      bar.classList.toggle("done", data.value >= 100);
    } else if (data.key === progress.status) {
      item.querySelector(".status").textContent = String(data.value).replace(/_/g, " ");
    }
    return false;
  }, abort.signal);
}

function showLog(id, stream) {
  if (log && log.id === id) return;
  if (log) log.abort.abort();
  log = { id, abort: new AbortController() };
  $("log").replaceChildren();
  $("log-source").textContent = "Following " + id;
  const path = "/workflow-stream/" + encodeURIComponent(id) + "/live?key=" + encodeURIComponent(stream);
  void follow(path, (event, data, offset) => {
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

/** Opens what the page shows of a workflow of this kind as it runs: its bar, its log. */
function watch(id, kind) {
  if (kind.progress) watchProgress(id, kind.progress);
  if (kind.log) showLog(id, kind.log.stream);
}

async function send(id, action, text) {
  const body = Object.assign({}, action.message);
  if (text) body.message = text;
  try {
    await api("/send-message/" + encodeURIComponent(id) + "?topic=" + encodeURIComponent(action.topic), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    sent.add(id);
    notify(action.done + " " + id);
    await refresh();
  } catch (error) {
    if (!(error instanceof Unauthorized)) notify("Could not send " + action.label + " to " + id + ": " + error.message, true);
  }
}

function approvalItem(w, kind) {
  const message = el("input", { type: "text", placeholder: "optional" });
  const buttons = kind.actions.map((action) => {
    const button = el("button", { type: "button", className: action.reject ? "reject" : "", textContent: action.label });
    button.setAttribute("aria-label", action.label + " " + w.workflow_id);
    button.onclick = () => void send(w.workflow_id, action, message.value.trim());
    return button;
  });
  const item = el("li", {}, el("strong", { textContent: w.workflow_id }),
    el("form", { onsubmit: (e) => e.preventDefault() }, el("label", {}, "Message", message), ...buttons));
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
  const kind = kindOf(w);
  const button = (text, onclick) => {
    const node = el("button", { type: "button", className: "secondary", textContent: text, onclick });
    node.setAttribute("aria-label", text + " of " + w.workflow_id);
    action.append(node);
  };
  if (kind && kind.progress) button("Progress", () => watchProgress(w.workflow_id, kind.progress));
  if (kind && kind.log) button("Log", () => showLog(w.workflow_id, kind.log.stream));
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
  const waiting = workflows.filter((w) => kindOf(w)?.actions.length && ACTIVE.includes(w.status) && !sent.has(w.workflow_id));
  const list = $("approvals");
  const old = new Map([...list.children].map((li) => [li.dataset.id, li]));
  list.replaceChildren(...waiting.map((w) => old.get(w.workflow_id) || approvalItem(w, kindOf(w))));
  $("approvals-empty").hidden = waiting.length > 0;
}

async function refresh() {
  if (needKey) return;
  try {
    const { workflows } = await api("/workflows?limit=20");
    renderList(workflows);
    renderApprovals(workflows);
    for (const w of workflows) {
      const progress = kindOf(w)?.progress;
      if (progress && ACTIVE.includes(w.status) && feeds.size < MAX_FEEDS) watchProgress(w.workflow_id, progress);
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

${START_FORM_SCRIPT}
void refresh();
setInterval(() => void refresh(), POLL_MS);
`;
