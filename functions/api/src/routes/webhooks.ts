import { DEFAULT_TOPIC, InvalidInputError, NotFoundError } from "@wfc/core";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import { limitBody, parseJsonObject } from "../json-body.js";
import { validate } from "../validation.js";
import { deliverMessage, type Target } from "../delivery.js";
import { webhookKeys } from "../message-keys.js";
import { topicQuery, workflowParam } from "./params.js";

/** Longest `webhook-id` recorded (Svix's are about 30 characters). */
const MAX_WEBHOOK_ID = 255;

/**
 * Signed webhooks into messages, for payment providers and other systems. Signatures follow the
 * Standard Webhooks spec (what Svix-based senders emit): HMAC-SHA256 over
 * `<webhook-id>.<webhook-timestamp>.<raw body>`, timestamps older or newer than 5 minutes
 * refused against replays.
 *
 * That signature covers neither the URL's workflow nor `?topic=`, so the signed body must name
 * its target (`"workflow_id"`, and `"topic"` unless it is `notification`): a delivery captured on
 * its way to one workflow cannot be replayed to another within those 5 minutes. A `webhook-id`
 * names one delivery whatever its destination: a redelivery reaches the workflow once, and the
 * same id for another target or body is refused (409).
 * @param secret - the shared secret (base64, optionally `whsec_`-prefixed); unset disables the route.
 */
export function webhookRoutes(backend: Backend, secret: string | undefined) {
  const verifier = secret ? new Webhook(secret) : undefined;
  return new Hono().post(
    "/webhooks/:workflow_id",
    doc(
      "messaging",
      "A signed webhook (Standard Webhooks) whose body names its workflow_id (and topic), delivered as a message once per webhook-id",
      { 200: { description: "Delivered", schema: S.webhookResponse } },
      [401, 404, 409, 413, 422, 503],
      {
        description:
          'The provider\'s event: a JSON object, signed, naming its target: `"workflow_id"` (and `"topic"`, default `notification`)',
        schema: S.webhookBody,
      },
    ),
    limitBody(),
    validate("param", workflowParam),
    validate("query", topicQuery),
    async (c) => {
      if (!verifier) throw new NotFoundError("Webhooks are not enabled (no WEBHOOK_SECRET)");
      const raw = await c.req.text();
      const headers = {
        "webhook-id": c.req.header("webhook-id") ?? "",
        "webhook-timestamp": c.req.header("webhook-timestamp") ?? "",
        "webhook-signature": c.req.header("webhook-signature") ?? "",
      };
      try {
        // Parsing is ours (422 for bad JSON); the library only checks the signature.
        verifier.verify(raw, headers, { jsonParse: false });
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        throw new HTTPException(401, { message: `Webhook rejected: ${error.message}` });
      }
      const webhookId = headers["webhook-id"];
      if (webhookId.length > MAX_WEBHOOK_ID)
        throw new InvalidInputError(`webhook-id must be at most ${MAX_WEBHOOK_ID} characters`);
      const target = {
        workflowId: c.req.valid("param").workflow_id,
        topic: c.req.valid("query").topic,
      };
      const payload = parseJsonObject(raw);
      checkSignedTarget(payload, target);
      await deliverMessage(backend, target, payload, webhookKeys(webhookId));
      return c.json({
        workflow_id: target.workflowId,
        message: "Webhook delivered to workflow",
        topic: target.topic,
        webhook_id: webhookId,
      });
    },
  );
}

/**
 * The signed body names the target this request is for.
 * @throws InvalidInputError (422) when it names none; a 401 when it names another.
 */
function checkSignedTarget(payload: Record<string, unknown>, { workflowId, topic }: Target) {
  const named = payload.workflow_id;
  const namedTopic = payload.topic ?? DEFAULT_TOPIC;
  if (typeof named !== "string" || typeof namedTopic !== "string") {
    throw new InvalidInputError(
      'A signed webhook body must name its target: "workflow_id" (and "topic" unless it is \'notification\') as strings, since the signature does not cover the URL',
    );
  }
  if (named !== workflowId || namedTopic !== topic) {
    throw new HTTPException(401, {
      message: `Webhook rejected: signed for workflow '${named}' on topic '${namedTopic}', not for '${workflowId}' on '${topic}'`,
    });
  }
}
