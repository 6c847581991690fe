import { DBOS } from "@dbos-inc/dbos-sdk";
import type { StepResult } from "../contracts/app.js";
import {
  streamingWorkflow,
  type StreamingWorkflowOutput,
  type StreamRecord,
} from "../contracts/streaming.js";
import type { FibonacciStep } from "./steps.js";

const now = () => Date.now() / 1000;
const write = (record: StreamRecord) => DBOS.writeStream(streamingWorkflow.streamKey, record);

/** Registers the streaming workflow: start, progress + result per step, complete, then close. */
export function registerStreamingWorkflow(step: FibonacciStep) {
  return DBOS.registerWorkflow(
    async (nSteps: number): Promise<StreamingWorkflowOutput> => {
      await write({
        timestamp: now(),
        type: "start",
        message: `Workflow started with ${nSteps} steps`,
      });
      const results: StepResult[] = [];
      for (let i = 0; i < nSteps; i++) {
        await write({
          timestamp: now(),
          type: "progress",
          step: i + 1,
          total_steps: nSteps,
          message: `Starting step ${i + 1}/${nSteps}`,
        });
        const result = await step(streamingWorkflow.fibBase + i);
        results.push(result);
        await write({ timestamp: now(), type: "result", step: i + 1, result });
      }
      await write({
        timestamp: now(),
        type: "complete",
        message: "Workflow completed successfully",
        total_results: results.length,
      });
      await DBOS.closeStream(streamingWorkflow.streamKey);
      return results;
    },
    { name: streamingWorkflow.name },
  );
}
