import type { StepResult } from "./app.js";

/** Workflow that appends progress records to a stream and closes it at the end. */
export const streamingWorkflow = {
  name: "workflow_with_streaming",
  kind: "streaming",
  fibBase: 10,
  streamKey: "progress_stream",
} as const;

export type StreamingWorkflowInput = [nSteps: number];
export type StreamingWorkflowOutput = StepResult[];

/** `timestamp` is epoch seconds with fractions, as Python's `time.time()`. */
export type StreamRecord =
  | { timestamp: number; type: "start"; message: string }
  | { timestamp: number; type: "progress"; step: number; total_steps: number; message: string }
  | { timestamp: number; type: "result"; step: number; result: StepResult }
  | { timestamp: number; type: "complete"; message: string; total_results: number };
