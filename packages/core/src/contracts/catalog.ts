import type { AnyKind } from "../kind.js";
import { KINDS } from "../kinds/index.gen.js";

export { KINDS };

/** A declared kind's name. */
export type WorkflowKind = (typeof KINDS)[number]["name"];
export const WORKFLOW_KINDS = KINDS.map((k) => k.name) as [WorkflowKind, ...WorkflowKind[]];

/** The declaration of the kind with this name. */
export type KindNamed<N extends WorkflowKind> = Extract<(typeof KINDS)[number], { name: N }>;
/** Kinds with a start route. */
export type StartableKind = Extract<(typeof KINDS)[number], { startable: true }>["name"];

const byWorkflowName = new Map<string, AnyKind>(KINDS.map((k) => [k.workflowName, k]));
const byName = new Map<string, AnyKind>(KINDS.map((k) => [k.name, k]));

/** The kind of a stored workflow name, or undefined for a name this product does not run. */
export const kindOfWorkflow = (name: string): AnyKind | undefined => byWorkflowName.get(name);

/** The declaration of a kind by its name. */
export const kindNamed = <N extends WorkflowKind>(name: N): KindNamed<N> =>
  byName.get(name) as KindNamed<N>;

/** DBOS's workflow statuses, as listed by the SDK. */
export const WORKFLOW_STATUSES = [
  "ENQUEUED",
  "PENDING",
  "SUCCESS",
  "ERROR",
  "CANCELLED",
  "MAX_RECOVERY_ATTEMPTS_EXCEEDED",
  "DELAYED",
] as const;
export type WorkflowStatusName = (typeof WORKFLOW_STATUSES)[number];

/** A workflow as the management API shows it. */
export interface WorkflowSummary {
  workflow_id: string;
  kind: WorkflowKind | null;
  name: string;
  status: string;
  created_at: string;
  updated_at: string | null;
  queue_name: string | null;
  app_version: string | null;
  executor_id: string | null;
  /** Only on `GET /workflows/{id}`, once finished. */
  output?: unknown;
  error?: { name: string; message: string } | null;
  /** Only on `GET /workflows/{id}` (and cancel, resume): what it is blocked on now, else null. */
  waiting_for?: WaitingFor | null;
}

/**
 * A receive the workflow is blocked in: the topic a message is awaited on, when the wait began
 * and when it times out (ISO 8601, milliseconds). A message sent on `topic` until the wait has
 * ended is received; an approval UI shows its buttons while this is set.
 */
export interface WaitingFor {
  topic: string;
  since: string;
  deadline: string;
}
