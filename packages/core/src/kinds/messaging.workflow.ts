import type { StepResult } from "../contracts/app.js";
import { defineWorkflow } from "../workflows/define.js";
import messaging, { MESSAGING_FIB_BASE, type MessagingWorkflowOutput } from "./messaging.js";

/**
 * Waits in `recv` for an approval on `notification` (messages sent earlier are queued, never
 * lost), then runs its steps.
 */
export default defineWorkflow(
  messaging,
  ({ recv, fibonacci, settings }) =>
    async (nSteps): Promise<MessagingWorkflowOutput> => {
      const approval = await recv<Record<string, unknown>>(
        "notification",
        settings.recvTimeoutSeconds,
      );
      // Only a literal `true` approves: a string such as "false" must never start paid work.
      if (approval?.approved !== true) {
        return { status: "cancelled", reason: "Not approved or timeout", results: [] };
      }
      const results: StepResult[] = [];
      for (let i = 0; i < nSteps; i++) results.push(await fibonacci(MESSAGING_FIB_BASE + i));
      return { status: "completed", results };
    },
);
