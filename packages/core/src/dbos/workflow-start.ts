import { isDeepStrictEqual } from "node:util";
import { ConflictError } from "../errors.js";
import { decodeArgs } from "./decode.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/** What a workflow was started as: its stored name and arguments (undefined once purged). */
export interface StoredStart {
  name: string;
  args?: unknown[];
}

/** The workflow's stored name and arguments, or undefined if no such workflow exists. */
export async function readStoredStart(
  db: Queryable,
  workflowId: string,
): Promise<StoredStart | undefined> {
  const { rows } = await db.query<{
    name: string;
    serialization: string | null;
    inputs: string | null;
  }>(
    `SELECT s.name, s.serialization, i.inputs
       FROM ${DBOS_SCHEMA}.workflow_status s
       LEFT JOIN ${DBOS_SCHEMA}.workflow_input i ON i.workflow_uuid = s.workflow_uuid
      WHERE s.workflow_uuid = $1`,
    [workflowId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    name: row.name,
    args: row.inputs === null ? undefined : await decodeArgs(row.inputs, row.serialization),
  };
}

/**
 * Checks a repeated start against what the workflow was stored with: a start never changes a
 * workflow, so an answer describing other arguments would describe what never runs. Arguments
 * no longer stored (purged by retention) cannot be compared and pass.
 * @throws ConflictError when the workflow is of another kind or was started with other arguments.
 */
export function checkRepeatedStart(
  workflowId: string,
  stored: StoredStart,
  workflowName: string,
  args: unknown[],
): void {
  if (stored.name !== workflowName) {
    throw new ConflictError("This workflow_id is already used by a different kind of workflow");
  }
  if (stored.args !== undefined && !isDeepStrictEqual(stored.args, args)) {
    throw new ConflictError(
      `Workflow '${workflowId}' already exists with other parameters, which it keeps: start a new workflow_id, or repeat its own to get its answer`,
    );
  }
}
