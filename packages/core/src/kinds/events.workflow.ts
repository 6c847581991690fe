import type { StepResult } from "../contracts/app.js";
import { defineWorkflow } from "../workflows/define.js";
import events, { EVENTS_FIB_BASE, type EventsWorkflowResult } from "./events.js";

/** Progress and status before every step, a result at the end. */
export default defineWorkflow(events, ({ setEvent, fibonacci }) => async (nSteps) => {
  await setEvent("status", "started");
  await setEvent("progress", 0);
  const results: StepResult[] = [];
  for (let i = 0; i < nSteps; i++) {
    await setEvent("progress", Math.floor((i / nSteps) * 100));
    await setEvent("status", `processing_step_${i + 1}`);
    results.push(await fibonacci(EVENTS_FIB_BASE + i));
  }
  const result: EventsWorkflowResult = {
    total_steps: nSteps,
    total_fibonacci: results.reduce((sum, r) => sum + r.fibonacci, 0),
  };
  await setEvent("progress", 100);
  await setEvent("status", "completed");
  await setEvent("result", result);
  return results;
});
