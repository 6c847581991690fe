import { Hono } from "hono";
import { z } from "zod";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import { limitBody, parseJsonObject } from "../json-body.js";
import { scoped, validated } from "../tokens/guard.js";
import { validate } from "../validation.js";
import { deliverMessage } from "../delivery.js";
import { sendKeys } from "../message-keys.js";
import { topicQuery, workflowParam } from "./params.js";

/**
 * An `Idempotency-Key` makes a retried send deliver the message once; reused with another
 * message (or topic) it is a 409, as Stripe answers.
 */
export const idempotencyKeySchema = z
  .string()
  .min(1, "Idempotency-Key must not be empty")
  .max(255, "Idempotency-Key must be at most 255 characters")
  .regex(/^[\x21-\x7e]+$/, "Idempotency-Key must be printable ASCII without spaces")
  .optional();
const sendHeaders = z.object({ "idempotency-key": idempotencyKeySchema });

/**
 * Messages: any JSON object to a running workflow, on a topic its kind declares. The 200's
 * `payload` is what was stored.
 */
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
    scoped((c) => ({
      workflowId: validated(c, "param").workflow_id!,
      kind: "topic",
      name: validated(c, "query").topic!,
    })),
    async (c) => {
      const { workflow_id } = c.req.valid("param");
      const { topic } = c.req.valid("query");
      const idempotencyKey = c.req.valid("header")["idempotency-key"];
      const payload = parseJsonObject(await c.req.text());
      const keys = idempotencyKey === undefined ? undefined : sendKeys(workflow_id, idempotencyKey);
      await deliverMessage(backend, { workflowId: workflow_id, topic }, payload, keys);
      return c.json({ workflow_id, message: "Notification sent to workflow", payload });
    },
  );
}
