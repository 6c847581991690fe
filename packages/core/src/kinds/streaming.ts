import * as z from "zod";
import { DEFAULT_STREAM, nStepsSchema, type StepResult } from "../contracts/app.js";
import { defineKind } from "../kind.js";

const stamped = { timestamp: z.number() };

/** The records the workflow writes; `timestamp` is epoch seconds with fractions, as Python's `time.time()`. */
export const streamRecordSchema = z.discriminatedUnion("type", [
  z.object({ ...stamped, type: z.literal("start"), message: z.string() }),
  z.object({
    ...stamped,
    type: z.literal("progress"),
    step: z.number(),
    total_steps: z.number(),
    message: z.string(),
  }),
  z.object({
    ...stamped,
    type: z.literal("result"),
    step: z.number(),
    result: z.custom<StepResult>(),
  }),
  z.object({
    ...stamped,
    type: z.literal("complete"),
    message: z.string(),
    total_results: z.number(),
  }),
]);
export type StreamRecord = z.output<typeof streamRecordSchema>;

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
  dashboard: {
    labels: { n_steps: "Steps" },
    log: { stream: DEFAULT_STREAM, records: streamRecordSchema },
  },
});

export const STREAMING_FIB_BASE = 10;
