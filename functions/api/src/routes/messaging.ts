import { Hono } from "hono";
import { z } from "zod";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import { limitBody, parseJsonObject } from "../json-body.js";
import { validate } from "../validation.js";
import { checkTopic } from "../channels.js";
import { topicQuery, workflowParam } from "./params.js";

/** An `Idempotency-Key` makes a retried send deliver the message once. */
export const idempotencyKeySchema = z
  .string()
  .min(1, "Idempotency-Key must not be empty")
  .max(255, "Idempotency-Key must be at most 255 characters")
  .regex(/^[\x21-\x7e]+$/, "Idempotency-Key must be printable ASCII without spaces")
  .optional();
const sendHeaders = z.object({ "idempotency-key": idempotencyKeySchema });

/** Messages: any JSON object to a workflow, on a topic its kind declares. */
export function messagingRoutes(backend: Backend) {
  return new Hono().post(
    "/send-message/:workflow_id",
    doc(
      "messaging",
      "Send a JSON object to a workflow on `topic` (default `notification`)",
      { 200: { description: "Queued for the workflow", schema: S.sendResponse } },
      [404, 409, 413, 422, 503],
      { description: "The message: any JSON object", schema: S.messageBody },
    ),
    limitBody(),
    validate("param", workflowParam),
    validate("query", topicQuery),
    validate("header", sendHeaders),
    async (c) => {
      const { workflow_id } = c.req.valid("param");
      const { topic } = c.req.valid("query");
      const idempotencyKey = c.req.valid("header")["idempotency-key"];
      const payload = parseJsonObject(await c.req.text());
      await checkTopic(backend, workflow_id, topic);
      await backend.send(workflow_id, payload, topic, idempotencyKey);
      return c.json({ workflow_id, message: "Notification sent to workflow", payload });
    },
  );
}
