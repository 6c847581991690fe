import * as z from "zod";
import { DEFAULT_STREAM, nStepsSchema, type StepResult } from "../contracts/app.js";
import { defineKind } from "../kind.js";

/** The seed's streaming example: appends progress records to a stream, then closes it. */
export default defineKind({
  name: "streaming",
  workflowName: "workflow_with_streaming",
  summary: "Start a workflow that streams progress records",
  params: z.object({ n_steps: nStepsSchema }),
  example: { n_steps: 1 },
  args: ({ n_steps }) => [n_steps] as [nSteps: number],
  streams: [DEFAULT_STREAM],
  answer: z.object({ workflow_id: z.string(), message: z.string(), read_stream: z.string() }),
  respond: (workflowId) => ({
    workflow_id: workflowId,
    message: "Workflow started with streaming",
    read_stream: `/workflow-stream/${workflowId}`,
  }),
  dashboard: { labels: { n_steps: "Steps" }, log: { stream: DEFAULT_STREAM } },
});

export const STREAMING_FIB_BASE = 10;

/** `timestamp` is epoch seconds with fractions, as Python's `time.time()`. */
export type StreamRecord =
  | { timestamp: number; type: "start"; message: string }
  | { timestamp: number; type: "progress"; step: number; total_steps: number; message: string }
  | { timestamp: number; type: "result"; step: number; result: StepResult }
  | { timestamp: number; type: "complete"; message: string; total_results: number };
