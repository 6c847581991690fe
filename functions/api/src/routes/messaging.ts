import { InvalidInputError, messagingWorkflow } from "@wfc/core";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Backend } from "../backend.js";
import { PayloadTooLargeError } from "@wfc/core";
import { validate } from "../validation.js";
import { startParams, workflowParam } from "./params.js";

/** Largest message body accepted, in bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

async function jsonObjectBody(text: string): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidInputError("Request body must be valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidInputError("Request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** The messaging example: start a workflow that waits for approval, then send it messages. */
export function messagingRoutes(backend: Backend) {
  return new Hono()
    .post(
      "/start-workflow-messaging/:workflow_id/:n_steps",
      validate("param", startParams),
      async (c) => {
        const { workflow_id, n_steps } = c.req.valid("param");
        await backend.start(messagingWorkflow.name, workflow_id, [n_steps]);
        return c.json({
          workflow_id,
          message: "Workflow started and will wait for approval notification",
          send_approval: `/send-message/${workflow_id}`,
          note: "Send POST request with JSON body: {'approved': true}. Messages are queued automatically.",
        });
      },
    )
    .post(
      "/send-message/:workflow_id",
      bodyLimit({
        maxSize: MAX_MESSAGE_BYTES,
        onError: () => {
          throw new PayloadTooLargeError(`Request body must be at most ${MAX_MESSAGE_BYTES} bytes`);
        },
      }),
      validate("param", workflowParam),
      async (c) => {
        const { workflow_id } = c.req.valid("param");
        const payload = await jsonObjectBody(await c.req.text());
        await backend.send(workflow_id, payload, messagingWorkflow.topic);
        return c.json({ workflow_id, message: "Notification sent to workflow", payload });
      },
    );
}
