import type { ChildStatus, FanoutRootOutput } from "./fanout.js";
import { defineWorkflow } from "../workflows/define.js";
import fanoutChild from "./fanout-child.js";
import fanout, { FANOUT_CHILDREN } from "./fanout.js";

/** Enqueues children of 1..5 steps and reports their status as the seed does. */
export default defineWorkflow(
  fanout,
  ({ startChild, statusOf }) =>
    async (): Promise<FanoutRootOutput> => {
      const statuses: ChildStatus[] = [];
      for (let n = 1; n <= FANOUT_CHILDREN; n++) {
        const workflowId = await startChild(fanoutChild, n);
        const status = await statusOf(workflowId);
        statuses.push({
          workflow_id: workflowId,
          status: status?.status ?? "UNKNOWN",
          name: status?.workflowName ?? fanoutChild.workflowName,
          queue_name: status?.queueName ?? null,
          created_at: status?.createdAt ?? null,
        });
      }
      return { status: "completed", handles_status: statuses };
    },
);
