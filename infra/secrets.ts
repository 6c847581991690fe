/**
 * Secrets set per stage with `npx sst secret set <Name> <value> --stage <stage>` before the first
 * deploy. They reach the API function encrypted inside its bundle (SST links), never as plain
 * Lambda environment variables, and the API reads them as `API_KEYS`, `WEBHOOK_SECRET` and
 * `TOKEN_KEYS`. The worker signs approval links with `TokenKeys` too (`workerTokenKeys`).
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

/**
 * The tokens' key ring for the worker, which signs the approval links minted inside workflows:
 * an encrypted SSM parameter holding the `TokenKeys` secret's value (an SST secret lives in SST's
 * state, not in AWS), handed to the container as an ECS secret, as its database URL: a link
 * would put the value in the task definition in plain text. Set again by every deploy, so a
 * rotation (`sst secret set TokenKeys ...`, then deploy) reaches the worker's next tasks.
 */
export function createWorkerTokenKeys(tokenKeys: sst.Secret) {
  return new aws.ssm.Parameter("WorkerTokenKeys", {
    name: `/${$app.name}/${$app.stage}/worker/token-keys`,
    type: "SecureString",
    value: tokenKeys.value,
    description: "TOKEN_KEYS of the worker service (the TokenKeys secret)",
  });
}
