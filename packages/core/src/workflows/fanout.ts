import { DBOS } from "@dbos-inc/dbos-sdk";
import { QUEUE_NAME, type StepResult } from "../contracts/app.js";
import {
  fanoutChildWorkflow,
  fanoutRootWorkflow,
  type ChildStatus,
  type FanoutRootOutput,
} from "../contracts/fanout.js";
import type { FibonacciStep } from "./steps.js";

/** Registers the seed's `GET /` pair: a root that enqueues children of 1..5 steps. */
export function registerFanoutWorkflows(step: FibonacciStep) {
  const child = DBOS.registerWorkflow(
    async (nSteps: number): Promise<StepResult[]> => {
      const results: StepResult[] = [];
      for (let i = 0; i < nSteps; i++) results.push(await step(fanoutChildWorkflow.fibBase + i));
      return results;
    },
    { name: fanoutChildWorkflow.name, maxRecoveryAttempts: 2 },
  );

  const root = DBOS.registerWorkflow(
    async (): Promise<FanoutRootOutput> => {
      const statuses: ChildStatus[] = [];
      for (let n = 1; n <= fanoutRootWorkflow.children; n++) {
        const handle = await DBOS.startWorkflow(child, { queueName: QUEUE_NAME })(n);
        const status = await handle.getStatus();
        statuses.push({
          workflow_id: handle.workflowID,
          status: status?.status ?? "UNKNOWN",
          name: status?.workflowName ?? fanoutChildWorkflow.name,
          queue_name: status?.queueName ?? null,
          created_at: status?.createdAt ?? null,
        });
      }
      return { status: "completed", handles_status: statuses };
    },
    { name: fanoutRootWorkflow.name, maxRecoveryAttempts: 2 },
  );

  return { child, root };
}
