import { DBOS } from "@dbos-inc/dbos-sdk";
import type { StepResult } from "../contracts/app.js";
import {
  eventsWorkflow,
  type EventsWorkflowOutput,
  type EventsWorkflowResult,
} from "../contracts/events.js";
import type { FibonacciStep } from "./steps.js";

const { keys, fibBase } = eventsWorkflow;

/** Registers the events workflow: progress and status before every step, a result at the end. */
export function registerEventsWorkflow(step: FibonacciStep) {
  return DBOS.registerWorkflow(
    async (nSteps: number): Promise<EventsWorkflowOutput> => {
      await DBOS.setEvent(keys.status, "started");
      await DBOS.setEvent(keys.progress, 0);
      const results: StepResult[] = [];
      for (let i = 0; i < nSteps; i++) {
        await DBOS.setEvent(keys.progress, Math.floor((i / nSteps) * 100));
        await DBOS.setEvent(keys.status, `processing_step_${i + 1}`);
        results.push(await step(fibBase + i));
      }
      const result: EventsWorkflowResult = {
        total_steps: nSteps,
        total_fibonacci: results.reduce((sum, r) => sum + r.fibonacci, 0),
      };
      await DBOS.setEvent(keys.progress, 100);
      await DBOS.setEvent(keys.status, "completed");
      await DBOS.setEvent(keys.result, result);
      return results;
    },
    { name: eventsWorkflow.name },
  );
}
