import type { StepResult } from "../contracts/app.js";
import { defineWorkflow } from "../workflows/define.js";
import fanoutChild, { FANOUT_CHILD_FIB_BASE } from "./fanout-child.js";

export default defineWorkflow(fanoutChild, ({ fibonacci }) => async (nSteps) => {
  const results: StepResult[] = [];
  for (let i = 0; i < nSteps; i++) results.push(await fibonacci(FANOUT_CHILD_FIB_BASE + i));
  return results;
});
