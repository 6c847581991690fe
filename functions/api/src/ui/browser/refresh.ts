import type { WorkflowSummary } from "@wfc/core/contracts";
import { api, Unauthorized, waitingForKey } from "./api.js";
import { ACTIVE, renderApprovals } from "./approvals.js";
import { $, messageOf, notify } from "./dom.js";
import { kindOf } from "./kinds.js";
import { renderList } from "./list.js";
import { roomForFeed, watchProgress } from "./progress.js";

/**
 * Lists the latest workflows, the ones waiting for an answer, and opens the bars of running ones
 * while there is room; clears an error notice once the API answers again.
 */
export async function refresh(): Promise<void> {
  if (waitingForKey()) return;
  try {
    const { workflows } = await api<{ workflows: WorkflowSummary[] }>("/workflows?limit=20");
    renderList(workflows);
    renderApprovals(workflows, refresh);
    for (const w of workflows) {
      const progress = kindOf(w)?.progress;
      if (progress && ACTIVE.includes(w.status) && roomForFeed()) {
        watchProgress(w.workflow_id, progress);
      }
    }
    if (!$("notice").classList.contains("error")) return;
    notify("");
  } catch (error) {
    if (!(error instanceof Unauthorized))
      notify("Could not list workflows: " + messageOf(error), true);
  }
}
