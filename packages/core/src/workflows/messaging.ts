import { DBOS } from "@dbos-inc/dbos-sdk";
import type { StepResult } from "../contracts/app.js";
import { messagingWorkflow, type MessagingWorkflowOutput } from "../contracts/messaging.js";
import type { FibonacciStep } from "./steps.js";

/**
 * Registers the messaging workflow: waits in `recv` for an approval on the `notification` topic
 * (messages sent earlier are queued, never lost), then runs its steps.
 * @param recvTimeoutSeconds - how long to wait for the approval.
 */
export function registerMessagingWorkflow(step: FibonacciStep, recvTimeoutSeconds: number) {
  return DBOS.registerWorkflow(
    async (nSteps: number): Promise<MessagingWorkflowOutput> => {
      const approval = await DBOS.recv<Record<string, unknown>>(messagingWorkflow.topic, {
        timeoutSeconds: recvTimeoutSeconds,
      });
      // Only a literal `true` approves: a string such as "false" must never start paid work.
      if (approval?.approved !== true) {
        return { status: "cancelled", reason: "Not approved or timeout", results: [] };
      }
      const results: StepResult[] = [];
      for (let i = 0; i < nSteps; i++) {
        results.push(await step(messagingWorkflow.fibBase + i));
      }
      return { status: "completed", results };
    },
    { name: messagingWorkflow.name },
  );
}
