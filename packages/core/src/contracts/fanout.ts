import type { StepResult } from "./app.js";

/** The seed's original `GET /` workflow: a root that enqueues children of 1..5 steps. */
export const fanoutRootWorkflow = {
  name: "dbos_root_workflow",
  kind: "fanout",
  children: 5,
} as const;

/** Each child computes fibonacci(10 + i) for i < n. */
export const fanoutChildWorkflow = {
  name: "dbos_workflow",
  kind: "fanout-child",
  fibBase: 10,
} as const;

export type FanoutChildInput = [nSteps: number];
export type FanoutChildOutput = StepResult[];

/** Status of one enqueued child, in the JSON the API returns. */
export interface ChildStatus {
  workflow_id: string;
  status: string;
  name: string;
  queue_name: string | null;
  created_at: number | null;
}

export interface FanoutRootOutput {
  status: "completed";
  handles_status: ChildStatus[];
}
