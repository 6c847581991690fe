import { eventsWorkflow } from "./events.js";
import { fanoutChildWorkflow, fanoutRootWorkflow } from "./fanout.js";
import { messagingWorkflow } from "./messaging.js";
import { streamingWorkflow } from "./streaming.js";

/** Every workflow the product runs: the stored name and the kind users see. */
export const WORKFLOW_CATALOG = [
  eventsWorkflow,
  messagingWorkflow,
  streamingWorkflow,
  fanoutRootWorkflow,
  fanoutChildWorkflow,
] as const;

export type WorkflowKind = (typeof WORKFLOW_CATALOG)[number]["kind"];
export const WORKFLOW_KINDS = WORKFLOW_CATALOG.map((w) => w.kind) as [
  WorkflowKind,
  ...WorkflowKind[],
];

/** The kind of a stored workflow name, or undefined for a name this product does not run. */
export const kindOfWorkflow = (name: string): WorkflowKind | undefined =>
  WORKFLOW_CATALOG.find((w) => w.name === name)?.kind;

/** The stored name of a kind. */
export const workflowNameOf = (kind: WorkflowKind): string =>
  WORKFLOW_CATALOG.find((w) => w.kind === kind)!.name;

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
}
