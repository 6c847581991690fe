import * as z from "zod";
import { defineKind } from "../kind.js";

/**
 * The seed's original `GET /` workflow: a root that enqueues children of 1..5 steps. Started by
 * `GET /` (the seed's route, which waits for it), not by a start route of its own.
 */
export default defineKind({
  name: "fanout",
  workflowName: "dbos_root_workflow",
  summary: "The seed's root workflow, which enqueues its children",
  params: z.object({}),
  example: {},
  args: () => [] as [],
  startable: false,
  maxRecoveryAttempts: 2,
});

export const FANOUT_CHILDREN = 5;

/** Status of one enqueued child, in the JSON the API returns. */
export interface ChildStatus {
  workflow_id: string;
  status: string;
  name: string;
  queue_name: string | null;
  created_at: number | null;
}

export interface FanoutRootOutput {
  status: "completed";
  handles_status: ChildStatus[];
}
