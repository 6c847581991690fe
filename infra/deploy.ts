import { createApi } from "./api";
import { createApiDatabaseCredentials, createApiDatabaseLink } from "./api-database";
import { connectionBudget } from "./connection-budget";
import { createDatabase, createWorkerDatabaseUrl } from "./database";
import { createGateway } from "./gateway";
import { createNetwork } from "./network";
import { createRelaySecret } from "./relay-secret";
import { createSecrets, createWorkerTokenKeys } from "./secrets";
import { readDrainingRelease } from "./releases";
import { appVersion, corsOrigins, isProduction } from "./stage";
import { createWorker } from "./worker";

/** Declares every resource of a stage and returns the stack's outputs. */
export async function deploy() {
  const version = appVersion();
  // First, so a release that may not proceed declares nothing. `sst dev` runs one local worker:
  // no registry, no releases.
  const draining = $dev ? undefined : await readDrainingRelease(version);
  const budget = connectionBudget(isProduction());
  const network = createNetwork();
  const apiCredentials = await createApiDatabaseCredentials();
  const { database } = createDatabase({ network, budget, apiCredentials });
  const secrets = createSecrets();
  const relaySecret = await createRelaySecret();
  const databaseUrl = $dev ? undefined : createWorkerDatabaseUrl(database);
  const tokenKeysParameter = $dev ? undefined : createWorkerTokenKeys(secrets.tokenKeys);
  // Before the worker, which mints links to it; its routes and functions come after the worker.
  const gateway = createGateway();
  const { service, relayUrl } = createWorker({
    network,
    database,
    budget,
    apiCredentials,
    relaySecret,
    databaseUrl,
    tokenKeys: secrets.tokenKeys,
    tokenKeysParameter,
    publicApiUrl: gateway.url,
    version,
    draining,
  });
  const { api, fn, liveFn } = createApi({
    gateway,
    network,
    // The API's own role, never the master user's `Database`.
    links: [
      createApiDatabaseLink(database, apiCredentials.password),
      secrets.apiKeys,
      secrets.webhookSecret,
      secrets.tokenKeys,
      relaySecret.link,
    ],
    budget,
    relayUrl,
    // The current version's service, steady: only then does the API stamp starts with its version.
    after: [service],
    corsOrigins: corsOrigins(),
  });
  // What in-AWS callers pass to the client's Lambda transport (`functionName`,
  // `streamFunctionName`).
  return { api: api.url, apiFunction: fn.name, apiLiveFunction: liveFn.name };
}
