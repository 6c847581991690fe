import type { DBOSClient, WorkflowStatus } from "@dbos-inc/dbos-sdk";
import {
  ConflictError,
  kindNamed,
  kindOfWorkflow,
  NotFoundError,
  QUEUE_NAME,
  type WorkflowKind,
  type WaitingFor,
  type WorkflowStatusName,
  type WorkflowSummary,
} from "@wfc/core";
import { retiredVersionConflict } from "./retired-version.js";

export interface ListFilter {
  status?: WorkflowStatusName;
  kind?: WorkflowKind;
  limit: number;
  offset: number;
}

/** Workflow management over the DBOS client: what the seed left to the `dbos` CLI. */
export interface WorkflowManagement {
  /** @throws NotFoundError */
  get(workflowId: string): Promise<WorkflowSummary>;
  /** Newest first. */
  list(filter: ListFilter): Promise<WorkflowSummary[]>;
  /**
   * Cancels a workflow that has not finished (it stops at its next step); an already cancelled
   * one stays so. @throws NotFoundError, ConflictError when it has finished (nothing to stop)
   */
  cancel(workflowId: string): Promise<WorkflowSummary>;
  /**
   * Resumes a cancelled or failed workflow from its last completed step.
   * @throws NotFoundError; ConflictError when its version's workers have retired.
   */
  resume(workflowId: string): Promise<WorkflowSummary>;
}

/** Whether a workflow's version can still run it (see `retiredVersionSql`). */
export interface VersionCheck {
  /** The API's own version, the one new starts run on. */
  currentVersion: string;
  /** The workflow's version when it has retired, else undefined. */
  retiredVersionOf(workflowId: string): Promise<string | undefined>;
}

/** Statuses a workflow never leaves by itself: cancelling one would rewrite its outcome. */
const FINISHED = new Set<string>(["SUCCESS", "ERROR", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"]);

const iso = (epochMs: number | undefined) =>
  epochMs === undefined ? null : new Date(epochMs).toISOString();

function errorOf(error: unknown): WorkflowSummary["error"] {
  if (error === undefined || error === null) return null;
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** The API's view of a DBOS status row; `withResult` adds output and error. */
export function summarize(status: WorkflowStatus, withResult = false): WorkflowSummary {
  const summary: WorkflowSummary = {
    workflow_id: status.workflowID,
    kind: (kindOfWorkflow(status.workflowName)?.name as WorkflowKind | undefined) ?? null,
    name: status.workflowName,
    status: status.status,
    created_at: new Date(status.createdAt).toISOString(),
    updated_at: iso(status.updatedAt),
    queue_name: status.queueName ?? null,
    app_version: status.applicationVersion ?? null,
    executor_id: status.executorId ?? null,
  };
  if (withResult) {
    summary.output = status.output ?? null;
    summary.error = errorOf(status.error);
  }
  return summary;
}

/**
 * Builds the management operations on a (lazily created) DBOS client; `versions` keeps a resume
 * from queueing a workflow that no worker will ever run; `waitingFor` reads what a workflow waits
 * for (`readWorkflowWait`).
 */
export function createManagement(
  dbos: () => Promise<DBOSClient>,
  versions: VersionCheck,
  waitingFor: (workflowId: string) => Promise<WaitingFor | null>,
): WorkflowManagement {
  const refuseRetired = async (workflowId: string) => {
    const retired = await versions.retiredVersionOf(workflowId);
    return (
      retired && retiredVersionConflict(workflowId, retired, versions.currentVersion, "resumed")
    );
  };
  // The status is the SDK's read (it decodes output and error); the wait is ours, one indexed
  // row read alongside it. Each is consistent alone: a wait read after the workflow finished is
  // null (`readWorkflowWait` shows none for a final status), so the two never contradict.
  const get = async (workflowId: string) => {
    const [status, waiting] = await Promise.all([
      dbos().then((client) => client.getWorkflow(workflowId)),
      waitingFor(workflowId),
    ]);
    if (!status) throw new NotFoundError("Workflow not found");
    return { ...summarize(status, true), waiting_for: waiting };
  };
  return {
    get,
    async list({ status, kind, limit, offset }) {
      const rows = await (
        await dbos()
      ).listWorkflows({
        status,
        workflowName: kind ? kindNamed(kind).workflowName : undefined,
        sortDesc: true,
        limit,
        offset,
        loadInput: false,
        loadOutput: false,
      });
      return rows.map((row) => summarize(row));
    },
    async cancel(workflowId) {
      const { status } = await get(workflowId);
      if (FINISHED.has(status))
        throw new ConflictError(`Workflow has already finished (${status}): nothing to cancel`);
      await (await dbos()).cancelWorkflow(workflowId);
      return get(workflowId);
    },
    async resume(workflowId) {
      await get(workflowId);
      const refused = await refuseRetired(workflowId);
      if (refused) throw refused;
      const client = await dbos();
      // Back onto our queue, so our workers (and only they) pick it up.
      await client.resumeWorkflow(workflowId, { queueName: QUEUE_NAME });
      // Its version's last worker may have recorded its retirement since the check. A record
      // made after this read still sees the resumed workflow and calls the retirement off
      // (retirement.ts); one made before it is seen here, and the resume is taken back.
      const late = await refuseRetired(workflowId);
      if (late) {
        await client.cancelWorkflow(workflowId);
        throw late;
      }
      return get(workflowId);
    },
  };
}
