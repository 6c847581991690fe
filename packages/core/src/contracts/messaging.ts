import type { StepResult } from "./app.js";

/** Workflow that waits for an approval message before running its steps. */
export const messagingWorkflow = {
  name: "workflow_with_messaging",
  kind: "messaging",
  fibBase: 10,
  topic: "notification",
  /** How long the workflow waits in `recv` by default (seconds), as in the seed. */
  defaultRecvTimeoutSeconds: 60,
} as const;

export type MessagingWorkflowInput = [nSteps: number];

export type MessagingWorkflowOutput =
  | { status: "completed"; results: StepResult[] }
  | { status: "cancelled"; reason: "Not approved or timeout"; results: [] };
