import type { WorkflowSummary } from "@wfc/core/contracts";
import type { DashboardActionView, DashboardKind } from "../dashboard-kind.js";
import { api, Unauthorized } from "./api.js";
import { $, el, messageOf, notify } from "./dom.js";
import { kindOf } from "./kinds.js";

/** Statuses of a workflow that may still be waiting for a message. */
export const ACTIVE = ["PENDING", "ENQUEUED"];

/** Waiting workflows answered from this page: no longer offered. */
const sent = new Set<string>();

/** Sends `action`'s message (with the typed `text`, if any) to workflow `id`. */
async function send(
  id: string,
  action: DashboardActionView,
  text: string,
  then: () => Promise<void>,
) {
  const body: Record<string, unknown> = { ...action.message };
  if (text) body.message = text;
  try {
    const query = "?topic=" + encodeURIComponent(action.topic);
    await api("/send-message/" + encodeURIComponent(id) + query, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    sent.add(id);
    notify(action.done + " " + id);
    await then();
  } catch (error) {
    if (!(error instanceof Unauthorized)) {
      notify("Could not send " + action.label + " to " + id + ": " + messageOf(error), true);
    }
  }
}

function approvalItem(w: WorkflowSummary, kind: DashboardKind, then: () => Promise<void>) {
  const message = el("input", { type: "text", placeholder: "optional" });
  const buttons = kind.actions.map((action) => {
    const button = el("button", {
      type: "button",
      className: action.reject ? "reject" : "",
      textContent: action.label,
    });
    button.setAttribute("aria-label", action.label + " " + w.workflow_id);
    button.onclick = () => void send(w.workflow_id, action, message.value.trim(), then);
    return button;
  });
  const form = el(
    "form",
    { onsubmit: (e) => e.preventDefault() },
    el("label", {}, "Message", message),
    ...buttons,
  );
  const item = el("li", {}, el("strong", { textContent: w.workflow_id }), form);
  item.dataset.id = w.workflow_id;
  return item;
}

/**
 * Lists the workflows waiting for one of their kind's actions, keeping the items already shown
 * (and what is typed in them); `then` runs once a message is sent.
 */
export function renderApprovals(workflows: WorkflowSummary[], then: () => Promise<void>) {
  const waiting = workflows.filter(
    (w) => kindOf(w)?.actions.length && ACTIVE.includes(w.status) && !sent.has(w.workflow_id),
  );
  const list = $("approvals");
  const old = new Map([...list.children].map((li) => [(li as HTMLElement).dataset.id, li]));
  list.replaceChildren(
    ...waiting.map((w) => old.get(w.workflow_id) || approvalItem(w, kindOf(w)!, then)),
  );
  $("approvals-empty").hidden = waiting.length > 0;
}
