import { streamingWorkflow } from "@wfc/core";
import { Hono } from "hono";
import type { Backend } from "../backend.js";
import { validate } from "../validation.js";
import { startParams, workflowParam } from "./params.js";

/** The streaming example: start a workflow that appends to a stream, read it without waiting. */
export function streamingRoutes(backend: Backend) {
  return new Hono()
    .post(
      "/start-workflow-streaming/:workflow_id/:n_steps",
      validate("param", startParams),
      async (c) => {
        const { workflow_id, n_steps } = c.req.valid("param");
        await backend.start(streamingWorkflow.name, workflow_id, [n_steps]);
        return c.json({
          workflow_id,
          message: "Workflow started with streaming",
          read_stream: `/workflow-stream/${workflow_id}`,
        });
      },
    )
    .get("/workflow-stream/:workflow_id", validate("param", workflowParam), async (c) => {
      const { workflow_id } = c.req.valid("param");
      const { values } = await backend.streamSnapshot(workflow_id, streamingWorkflow.streamKey, 0);
      return c.json({ workflow_id, stream_values: values, total_messages: values.length });
    });
}
