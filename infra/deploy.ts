import { createApi } from "./api";
import { createDatabase, createWorkerDatabaseUrl } from "./database";
import { createNetwork } from "./network";
import { createSecrets } from "./secrets";
import { createWorker } from "./worker";

/** Declares every resource of a stage and returns the stack's outputs. */
export function deploy() {
  const network = createNetwork();
  const { database } = createDatabase(network);
  const secrets = createSecrets();
  const databaseUrl = $dev ? undefined : createWorkerDatabaseUrl(database);
  const { service } = createWorker({ network, database, databaseUrl });
  const { api, fn } = createApi({
    network,
    links: [database, secrets.apiKeys, secrets.webhookSecret],
    after: [service],
  });
  // `apiFunction` is what in-AWS callers pass to the client's Lambda transport.
  return { api: api.url, apiFunction: fn.name };
}
