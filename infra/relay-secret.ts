/** The name the API function's link to the relay's secret has (LINKS.changeRelaySecret in @wfc/core). */
const RELAY_SECRET_LINK = "ChangeRelaySecret";

/**
 * The secret the API authenticates to the worker's change relay with (`CHANGE_RELAY_SECRET` on
 * both sides): generated, never typed. The API gets it through a link (encrypted in its bundle);
 * deployed, the worker gets it as an ECS secret read from a Secrets Manager secret, so it is in
 * neither side's plain environment. Under `sst dev` there is no secret: the local worker gets it
 * in its environment, as the API role's password.
 */
export async function createRelaySecret() {
  // Loaded inside run(), as in api-database.ts.
  const { RandomPassword } = await import("@pulumi/random");
  const value = new RandomPassword("ChangeRelayKey", { length: 48, special: false }).result;
  const link = new sst.Linkable(RELAY_SECRET_LINK, { properties: { value } });
  if ($dev) return { value, link, secret: undefined };
  const secret = new aws.secretsmanager.Secret("ChangeRelaySecret", {
    description: "What the API sends the worker's change relay (Authorization: Bearer)",
    recoveryWindowInDays: 0,
  });
  new aws.secretsmanager.SecretVersion("ChangeRelaySecretVersion", {
    secretId: secret.id,
    secretString: value,
  });
  return { value, link, secret };
}

export type RelaySecret = Awaited<ReturnType<typeof createRelaySecret>>;
