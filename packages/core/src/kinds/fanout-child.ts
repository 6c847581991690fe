import * as z from "zod";
import { defineKind } from "../kind.js";

/** A child of the seed's root workflow: computes fibonacci(10 + i) for i < n. */
export default defineKind({
  name: "fanout-child",
  workflowName: "dbos_workflow",
  summary: "A child of the seed's root workflow",
  params: z.object({ n_steps: z.number().int().min(1) }),
  example: { n_steps: 1 },
  args: ({ n_steps }) => [n_steps] as [nSteps: number],
  startable: false,
  maxRecoveryAttempts: 2,
});

export const FANOUT_CHILD_FIB_BASE = 10;
