import { DBOS } from "@dbos-inc/dbos-sdk";
import { QUEUE_NAME } from "../contracts/app.js";
import { defineWorkflow } from "../workflows/define.js";
import fanoutChild from "./fanout-child.js";
import fanout, { FANOUT_CHILDREN, type ChildStatus, type FanoutRootOutput } from "./fanout.js";

/** Enqueues children of 1..5 steps and reports their status as the seed does. */
export default defineWorkflow(fanout, ({ workflowOf }) => async (): Promise<FanoutRootOutput> => {
  const child = workflowOf(fanoutChild);
  const statuses: ChildStatus[] = [];
  for (let n = 1; n <= FANOUT_CHILDREN; n++) {
    const handle = await DBOS.startWorkflow(child, { queueName: QUEUE_NAME })(n);
    const status = await handle.getStatus();
    statuses.push({
      workflow_id: handle.workflowID,
      status: status?.status ?? "UNKNOWN",
      name: status?.workflowName ?? fanoutChild.workflowName,
      queue_name: status?.queueName ?? null,
      created_at: status?.createdAt ?? null,
    });
  }
  return { status: "completed", handles_status: statuses };
});
