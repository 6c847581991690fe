/**
 * The keys one keyed message is stored under: `record` in our deliveries table (unique across
 * every destination) and `dbosKey`, DBOS's idempotency key, which DBOS stores as
 * `<dbosKey>::<workflow_id>` in one column unique across all workflows.
 *
 * Workflow IDs may hold ':', so that concatenation alone is not one-to-one (workflow `x::y` with
 * key `k` and workflow `y` with key `k::x` both give `k::x::y`, and the second message is
 * dropped). A `dbosKey` without "::" that does not end in ':' is: the first "::" then ends it.
 * Sends escape every ':' (and '%', so the escape is reversible); webhooks keep one ':' after
 * `webhook`, so no send's key can be a webhook's. A key without ':' or '%' is stored as sent.
 */
export interface MessageKeys {
  record: string;
  dbosKey: string;
  /** Names the key in a refusal. */
  what: string;
  /**
   * A repeat is refused (410), even with the same message: the key stands for one use (an
   * approval link), not for a retry that should answer as the first did.
   */
  singleUse?: boolean;
}

const escapeColons = (key: string) => key.replaceAll("%", "%25").replaceAll(":", "%3A");

/**
 * Keys of a send with an `Idempotency-Key`: scoped to its workflow, as a client's retry is.
 * Neither the ID nor the key holds a space, so the record is one-to-one too.
 */
export const sendKeys = (workflowId: string, idempotencyKey: string): MessageKeys => ({
  record: `send ${workflowId} ${idempotencyKey}`,
  dbosKey: escapeColons(idempotencyKey),
  what: `Idempotency-Key '${idempotencyKey}'`,
});

/** Keys of a signed webhook: its `webhook-id` names one delivery, whatever its destination. */
export const webhookKeys = (webhookId: string): MessageKeys => ({
  record: `webhook ${webhookId}`,
  dbosKey: `webhook:${escapeColons(webhookId)}`,
  what: `webhook-id '${webhookId}'`,
});

/**
 * Keys of an approval link's answer: the link's ID (base64url, without ':' or '%') names its one
 * delivery, so a second use, whatever its choice, finds the key taken.
 */
export const linkKeys = (linkId: string): MessageKeys => ({
  record: `link ${linkId}`,
  dbosKey: `link:${linkId}`,
  what: "This link",
  singleUse: true,
});
