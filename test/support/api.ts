import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, DEFAULT_APP_VERSION } from "@wfc/core";
import { createApp, type AppSettings } from "../../functions/api/src/app.js";
import { createDbosBackend, type BackendOptions } from "../../functions/api/src/backend.js";
import { createTestDatabase } from "./database.js";
import { startWorker } from "./worker.js";
import { TEST_RELAY_SECRET } from "./worker.js";

/**
 * The real Hono app on a real backend (DBOSClient + pg) for `databaseUrl`: the API's own URL,
 * which may differ from the worker's (e.g. through a pooler, as deployed behind RDS Proxy).
 * `options` override the backend's (pool size 4 by default).
 */
export function createTestApi(
  databaseUrl: string,
  settings: AppSettings = { log: () => {} },
  options: Partial<Omit<BackendOptions, "databaseUrl">> = {},
) {
  const backend = createDbosBackend({
    databaseUrl,
    appVersion: DEFAULT_APP_VERSION,
    poolSize: 4,
    ...(options.relayUrl && { relaySecret: TEST_RELAY_SECRET }),
    ...options,
  });
  const app = createApp(backend, settings);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      init.headers = { "content-type": "application/json", ...headers };
    }
    const response = await app.request(path, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, body: json as any, headers: response.headers };
  };
  return {
    app,
    backend,
    get: (path: string) => call("GET", path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      call("POST", path, body, headers),
    close: () => backend.close(),
  };
}

/** A DBOSClient for checking workflow outcomes the HTTP contract does not expose. */
export async function createInspector(databaseUrl: string) {
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  return {
    client,
    /** Waits for the workflow to finish and returns its output. */
    result: <T>(workflowId: string) =>
      client.retrieveWorkflow<T>(workflowId).getResult({ pollingIntervalMs: 50 }),
    status: async (workflowId: string) => (await client.getWorkflow(workflowId))?.status,
    /** The arguments the workflow was stored with, which a worker runs it with. */
    inputs: async (workflowId: string) => (await client.getWorkflow(workflowId))?.input,
    close: () => client.destroy(),
  };
}

/**
 * A fresh database with the real app on it (`createTestApi`), an inspector and a real worker
 * process started with `workerEnv`: what most integration files need. `close()` stops them all.
 */
export async function startTestStack(workerEnv: Record<string, string> = {}) {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  const api = createTestApi(url);
  const inspector = await createInspector(url);
  const worker = await startWorker(url, workerEnv);
  return {
    url,
    api,
    inspector,
    worker,
    async close() {
      await worker.stop();
      await inspector.close();
      await api.close();
    },
  };
}
