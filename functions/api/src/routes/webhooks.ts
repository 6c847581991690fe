import { NotFoundError } from "@wfc/core";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import { limitBody, parseJsonObject } from "../json-body.js";
import { validate } from "../validation.js";
import { checkTopic } from "../channels.js";
import { topicQuery, workflowParam } from "./params.js";

/**
 * Signed webhooks into messages, for payment providers and other systems. Signatures follow the
 * Standard Webhooks spec (what Svix-based senders emit): HMAC-SHA256 over
 * `<webhook-id>.<webhook-timestamp>.<raw body>`, timestamps older or newer than 5 minutes
 * refused against replays. The sender's `webhook-id` is the DBOS idempotency key, so a
 * redelivered webhook reaches the workflow once.
 * @param secret - the shared secret (base64, optionally `whsec_`-prefixed); unset disables the route.
 */
export function webhookRoutes(backend: Backend, secret: string | undefined) {
  const verifier = secret ? new Webhook(secret) : undefined;
  return new Hono().post(
    "/webhooks/:workflow_id",
    doc(
      "messaging",
      "A signed webhook (Standard Webhooks), delivered as a message once per webhook-id",
      { 200: { description: "Delivered", schema: S.webhookResponse } },
      [401, 404, 409, 413, 422, 503],
      { description: "The provider's event: any JSON object, signed", schema: S.messageBody },
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
      const { workflow_id } = c.req.valid("param");
      const { topic } = c.req.valid("query");
      const payload = parseJsonObject(raw);
      await checkTopic(backend, workflow_id, topic);
      await backend.send(workflow_id, payload, topic, `webhook:${headers["webhook-id"]}`);
      return c.json({
        workflow_id,
        message: "Webhook delivered to workflow",
        topic,
        webhook_id: headers["webhook-id"],
      });
    },
  );
}
