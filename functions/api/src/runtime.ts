import { createApp } from "./app.js";
import { createDbosBackend } from "./backend.js";
import { apiConfig } from "./config.js";

/**
 * The app as a deployed process runs it: config from the environment, one backend per
 * process. Built once per Lambda instance (module scope) or Node server.
 */
export function createRuntime(env: NodeJS.ProcessEnv = process.env) {
  const config = apiConfig(env);
  const backend = createDbosBackend({
    databaseUrl: config.DBOS_SYSTEM_DATABASE_URL,
    appVersion: config.APP_VERSION,
    poolSize: config.DB_POOL_SIZE,
    fallbackPollMs: config.FALLBACK_POLL_MS,
  });
  return { config, backend, app: createApp(backend) };
}
