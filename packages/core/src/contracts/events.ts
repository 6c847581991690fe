import type { StepResult } from "./app.js";

/** Workflow that publishes `status`, `progress` and `result` events as it computes. */
export const eventsWorkflow = {
  name: "workflow_with_events",
  kind: "events",
  /** fibonacci(FIB_BASE + i) for step i, as in the seed. */
  fibBase: 28,
  keys: { status: "status", progress: "progress", result: "result" },
} as const;

export type EventsWorkflowInput = [nSteps: number];
export type EventsWorkflowOutput = StepResult[];

/** The value of the `result` event, set once the workflow completes. */
export interface EventsWorkflowResult {
  total_steps: number;
  total_fibonacci: number;
}
