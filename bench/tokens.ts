import { DBOS } from "@dbos-inc/dbos-sdk";
import { applyMigrations, DEFAULT_APP_VERSION } from "@wfc/core";
import { mintToken, newTokenKey, parseKeyRing } from "@wfc/tokens";
import pg from "pg";
import { createApp } from "../functions/api/src/app.js";
import { createDbosBackend } from "../functions/api/src/backend.js";
import { createDatabase } from "./databases.js";
import { summarize, type Summary } from "./stats.js";

const API_KEY = "bench-api-key-0123456789abcdef";

/**
 * What checking a capability token costs a request next to an API key: the real app in this
 * process on a database of its own, `GET /workflows/{id}` (a status read, the route a progress
 * bar polls) asked `samples` times with each credential, alternately, so the database's noise
 * falls on both alike. A process keeps the tokens it verified (until they expire) and caches a
 * workflow's revocation read for 5 s: `token` asks for one workflow with one token again and
 * again (a progress bar's steady state), `uncached` with a new token for a new workflow each time
 * (the signature verified and the revocation read on every request).
 */
export async function measureTokenCheck(
  admin: pg.Pool,
  adminUrl: string,
  samples: number,
): Promise<{ key: Summary; token: Summary; uncached: Summary }> {
  const databaseUrl = await createDatabase(admin, adminUrl, `bench_tokens_${Date.now()}`);
  await DBOS.migrate(databaseUrl);
  const setup = new pg.Client({ connectionString: databaseUrl });
  await setup.connect();
  await applyMigrations(setup, 30_000).finally(() => setup.end());
  const ring = parseKeyRing(newTokenKey("bench"));
  const backend = createDbosBackend({ databaseUrl, appVersion: DEFAULT_APP_VERSION, poolSize: 2 });
  const app = createApp(backend, { apiKeys: [API_KEY], tokenKeys: ring, log: () => {} });
  const tokenFor = async (workflowId: string) => {
    const scope = { workflow_id: workflowId, events: "*", streams: "*", topics: [] } as const;
    return (await mintToken(ring, scope, 3600)).token;
  };
  const token = await tokenFor("bench-token");
  const ask = async (credential: string, workflowId = "bench-token") => {
    const started = performance.now();
    const response = await app.request(`/workflows/${workflowId}`, {
      headers: { authorization: `Bearer ${credential}` },
    });
    await response.arrayBuffer();
    if (response.status !== 404) throw new Error(`token bench: answered ${response.status}`);
    return performance.now() - started;
  };
  try {
    for (let i = 0; i < 20; i++) await Promise.all([ask(API_KEY), ask(token)]);
    const fresh = await Promise.all(
      Array.from({ length: samples }, (_, i) => tokenFor(`bench-token-${i}`)),
    );
    const key: number[] = [];
    const withToken: number[] = [];
    const uncached: number[] = [];
    for (let i = 0; i < samples; i++) {
      key.push(await ask(API_KEY));
      withToken.push(await ask(token));
      uncached.push(await ask(fresh[i]!, `bench-token-${i}`));
    }
    return { key: summarize(key), token: summarize(withToken), uncached: summarize(uncached) };
  } finally {
    await backend.close();
  }
}
