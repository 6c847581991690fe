import type { Queryable } from "../db/queryable.js";
import type { AnyKind } from "../kind.js";
import { KIND_WORKFLOWS } from "../kinds/workflows.gen.js";
import type { LinkSigning } from "./approval-link.js";
import type { WorkflowFunction } from "./define.js";
import { createFibonacciPool, type FibonacciPool } from "./fibonacci.js";
import { createReceive } from "./receive.js";
import { registerFibonacciStep } from "./steps.js";

export interface WorkflowSettings {
  /** Settings values of every kind, by kind name (see `kindSettingsSchema`). */
  kinds: Record<string, Record<string, unknown>>;
  /** Threads for fibonacci steps; defaults to the number of cores. */
  fibonacciThreads?: number;
  /**
   * Where receives record their state (`createReceive`): a pool, of which each step borrows one
   * connection at a time (the worker's DBOS pool).
   */
  db: Queryable;
  /** How approval links minted inside workflows are signed and addressed. */
  links?: LinkSigning;
}

/**
 * Registers every kind's workflow with DBOS. Call once, before `DBOS.launch()`.
 * Returns the workflow functions by kind name (for tests) and the thread pool to close at shutdown.
 */
export function registerWorkflows(settings: WorkflowSettings) {
  const pool: FibonacciPool = createFibonacciPool(settings.fibonacciThreads);
  const fibonacci = registerFibonacciStep(pool);
  const receive = createReceive(settings.db);
  const registered = new Map<AnyKind, WorkflowFunction>();
  const workflowOf = (kind: AnyKind) => {
    const fn = registered.get(kind);
    if (!fn) throw new Error(`Kind "${kind.name}" has no registered workflow`);
    return fn;
  };
  for (const workflow of KIND_WORKFLOWS) {
    registered.set(
      workflow.kind,
      workflow.register({
        fibonacci,
        receive,
        settings: settings.kinds,
        workflowOf,
        links: settings.links ?? {},
      }),
    );
  }
  return { pool, workflows: Object.fromEntries([...registered].map(([k, fn]) => [k.name, fn])) };
}

export type RegisteredWorkflows = ReturnType<typeof registerWorkflows>;
export { createFibonacciPool, type FibonacciPool } from "./fibonacci.js";
export type { ApprovalLink, ApprovalLinkOptions, LinkSigning } from "./approval-link.js";
export { defineWorkflow, type KindWorkflow, type WorkflowTools } from "./define.js";
export { createReceive, type Receive } from "./receive.js";
