import { messagingWorkflow } from "@wfc/core";
import { Hono } from "hono";
import { z } from "zod";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import { limitBody, parseJsonObject } from "../json-body.js";
import { validate } from "../validation.js";
import { startParams, workflowParam } from "./params.js";

/** An `Idempotency-Key` makes a retried send deliver the message once. */
export const idempotencyKeySchema = z
  .string()
  .min(1, "Idempotency-Key must not be empty")
  .max(255, "Idempotency-Key must be at most 255 characters")
  .regex(/^[\x21-\x7e]+$/, "Idempotency-Key must be printable ASCII without spaces")
  .optional();
const sendHeaders = z.object({ "idempotency-key": idempotencyKeySchema });

/** The messaging example: start a workflow that waits for approval, then send it messages. */
export function messagingRoutes(backend: Backend) {
  return new Hono()
    .post(
      "/start-workflow-messaging/:workflow_id/:n_steps",
      doc(
        "messaging",
        "Start a workflow that waits for an approval message",
        { 200: { description: "Started (or already existing)", schema: S.startMessagingResponse } },
        [409, 422, 503],
      ),
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
      doc(
        "messaging",
        "Send a JSON object to a workflow on topic `notification`",
        { 200: { description: "Queued for the workflow", schema: S.sendResponse } },
        [404, 413, 422, 503],
        { description: "The message: any JSON object", schema: S.messageBody },
      ),
      limitBody(),
      validate("param", workflowParam),
      validate("header", sendHeaders),
      async (c) => {
        const { workflow_id } = c.req.valid("param");
        const idempotencyKey = c.req.valid("header")["idempotency-key"];
        const payload = parseJsonObject(await c.req.text());
        await backend.send(workflow_id, payload, messagingWorkflow.topic, idempotencyKey);
        return c.json({ workflow_id, message: "Notification sent to workflow", payload });
      },
    );
}
