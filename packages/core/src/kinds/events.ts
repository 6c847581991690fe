import * as z from "zod";
import { nStepsSchema } from "../contracts/app.js";
import { defineKind } from "../kind.js";

/** The seed's events example: publishes `status`, `progress` and `result` as it computes. */
export default defineKind({
  name: "events",
  workflowName: "workflow_with_events",
  summary: "Start a workflow that publishes events",
  params: z.object({ n_steps: nStepsSchema }),
  example: { n_steps: 1 },
  args: ({ n_steps }) => [n_steps] as [nSteps: number],
  events: ["status", "progress", "result"],
  answer: z.object({
    workflow_id: z.string(),
    message: z.string(),
    query_endpoints: z.object({
      progress: z.string(),
      status: z.string(),
      result: z.string(),
      all_events: z.string(),
    }),
  }),
  respond: (workflowId) => {
    const base = `/workflow-events/${workflowId}`;
    return {
      workflow_id: workflowId,
      message: "Workflow started with events",
      query_endpoints: {
        progress: `${base}/progress`,
        status: `${base}/status`,
        result: `${base}/result`,
        all_events: `${base}/all`,
      },
    };
  },
  dashboard: { labels: { n_steps: "Steps" }, progress: { percent: "progress", status: "status" } },
});

/** fibonacci(FIB_BASE + i) for step i, as in the seed. */
export const EVENTS_FIB_BASE = 28;

/** The value of the `result` event, set once the workflow completes. */
export interface EventsWorkflowResult {
  total_steps: number;
  total_fibonacci: number;
}
