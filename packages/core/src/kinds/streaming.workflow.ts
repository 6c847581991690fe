import type { StepResult } from "../contracts/app.js";
import { defineWorkflow } from "../workflows/define.js";
import streaming, { STREAMING_FIB_BASE, type StreamRecord } from "./streaming.js";

const now = () => Date.now() / 1000;

/** Start, progress + result per step, complete, then the stream is closed. */
export default defineWorkflow(streaming, ({ writeStream, closeStream, fibonacci }) => {
  const write = (record: StreamRecord) => writeStream("progress_stream", record);
  return async (nSteps) => {
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
      const result = await fibonacci(STREAMING_FIB_BASE + i);
      results.push(result);
      await write({ timestamp: now(), type: "result", step: i + 1, result });
    }
    await write({
      timestamp: now(),
      type: "complete",
      message: "Workflow completed successfully",
      total_results: results.length,
    });
    await closeStream("progress_stream");
    return results;
  };
});
