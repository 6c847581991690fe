import * as z from "zod";
import { DEFAULT_TOPIC, nStepsSchema, type StepResult } from "../contracts/app.js";
import { defineKind } from "../kind.js";

/** The seed's messaging example: waits for an approval on `notification`, then computes. */
export default defineKind({
  name: "messaging",
  workflowName: "workflow_with_messaging",
  summary: "Start a workflow that waits for an approval message",
  params: z.object({ n_steps: nStepsSchema }),
  example: { n_steps: 1 },
  args: ({ n_steps }) => [n_steps] as [nSteps: number],
  topics: [DEFAULT_TOPIC],
  settings: {
    recvTimeoutSeconds: {
      env: "RECV_TIMEOUT_SECONDS",
      schema: z.coerce.number().positive().default(60),
      description: "How long the workflow waits for its approval, in seconds (the seed's 60)",
    },
  },
  answer: z.object({
    workflow_id: z.string(),
    message: z.string(),
    send_approval: z.string(),
    note: z.string(),
  }),
  respond: (workflowId) => ({
    workflow_id: workflowId,
    message: "Workflow started and will wait for approval notification",
    send_approval: `/send-message/${workflowId}`,
    note: "Send POST request with JSON body: {'approved': true}. Messages are queued automatically.",
  }),
  dashboard: {
    labels: { n_steps: "Steps" },
    actions: [
      { label: "Approve", topic: DEFAULT_TOPIC, message: { approved: true }, done: "Approved" },
      {
        label: "Reject",
        topic: DEFAULT_TOPIC,
        message: { approved: false, reason: "Rejected" },
        reject: true,
        done: "Rejected",
      },
    ],
  },
});

export const MESSAGING_FIB_BASE = 10;

export type MessagingWorkflowOutput =
  | { status: "completed"; results: StepResult[] }
  | { status: "cancelled"; reason: "Not approved or timeout"; results: [] };
