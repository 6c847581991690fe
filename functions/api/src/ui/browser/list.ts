import type { WorkflowSummary } from "@wfc/core/contracts";
import { $, el } from "./dom.js";
import { kindOf } from "./kinds.js";
import { showLog } from "./log.js";
import { watchProgress } from "./progress.js";

/** How long ago, in the largest whole unit. */
function age(createdAt: string) {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(createdAt).getTime()) / 1000));
  if (seconds < 60) return seconds + " s";
  if (seconds < 3600) return Math.floor(seconds / 60) + " min";
  if (seconds < 86400) return Math.floor(seconds / 3600) + " h";
  return Math.floor(seconds / 86400) + " d";
}

/** A row of the list: ID, kind, status, age, and buttons for the kind's bar and log. */
function row(w: WorkflowSummary) {
  const cells = [w.workflow_id, w.kind || "", w.status, age(w.created_at)].map((text) =>
    el("td", { textContent: text }),
  );
  cells[2]!.className = "status-" + w.status;
  const action = el("td");
  const kind = kindOf(w);
  const button = (text: string, onclick: () => void) => {
    const node = el("button", {
      type: "button",
      className: "secondary",
      textContent: text,
      onclick,
    });
    node.setAttribute("aria-label", text + " of " + w.workflow_id);
    action.append(node);
  };
  const { progress, log } = kind ?? {};
  if (progress) button("Progress", () => watchProgress(w.workflow_id, progress));
  if (log) button("Log", () => showLog(w.workflow_id, log.stream));
  const tr = el("tr", {}, ...cells, action);
  tr.dataset.id = w.workflow_id;
  return tr;
}

/** Replaces the rows of the list whose content changed; keeps the others (and their focus). */
export function renderList(workflows: WorkflowSummary[]) {
  const body = $("workflows");
  const old = new Map([...body.children].map((tr) => [(tr as HTMLElement).dataset.id, tr]));
  const rows = workflows.map((w) => {
    const fresh = row(w);
    const current = old.get(w.workflow_id);
    return current && current.textContent === fresh.textContent ? current : fresh;
  });
  body.replaceChildren(...rows);
}
