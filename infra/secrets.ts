/**
 * Secrets set per stage with `npx sst secret set <Name> <value> --stage <stage>` before the first
 * deploy. They reach the API function encrypted inside its bundle (SST links), never as plain
 * Lambda environment variables, and the API reads them as `API_KEYS`, `WEBHOOK_SECRET` and
 * `TOKEN_KEYS`.
 * No defaults: a stage without them does not deploy.
 */
export function createSecrets() {
  return {
    /** Comma-separated keys clients send as `Authorization: Bearer <key>` (two during rotation). */
    apiKeys: new sst.Secret("ApiKeys"),
    /** The HMAC key senders sign webhooks with. */
    webhookSecret: new sst.Secret("WebhookSecret"),
    /**
     * The capability tokens' key ring, `kid:secret,...` (oldest first, the last signs): rotated
     * by setting it again with a new key appended, and later without the old one.
     */
    tokenKeys: new sst.Secret("TokenKeys"),
  };
}
