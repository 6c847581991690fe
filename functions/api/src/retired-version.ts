import { ConflictError } from "@wfc/core";

/**
 * The refusal of a resume or a message for a workflow whose application version has retired
 * (`retiredVersionSql`): nothing would ever run it. It names the ways forward, since moving
 * the workflow onto the current version's code is safe only where that code takes the same
 * steps, which only its author can tell.
 */
export function retiredVersionConflict(
  workflowId: string,
  version: string,
  currentVersion: string,
  what: "resumed" | "sent a message",
): ConflictError {
  return new ConflictError(
    `Workflow '${workflowId}' runs on application version ${version}, whose workers have retired: ` +
      `if ${what === "resumed" ? "resumed" : "it were sent a message"}, nothing would ever run it. ` +
      `Start a new workflow (it runs on the current version, ${currentVersion}), or fork this one ` +
      `onto version ${currentVersion} where its remaining steps are safe on that code ` +
      `(DBOS's forkWorkflow; docs/operations/releases.md, "Forking instead")`,
  );
}
