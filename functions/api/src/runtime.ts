import { LiveFeedLimits } from "@wfc/realtime";
import { createApp, type AppSettings } from "./app.js";
import { createDbosBackend } from "./backend.js";
import { apiConfig } from "./config.js";

/**
 * The app as a deployed process runs it: config from the environment, one backend per
 * process. Built once per Lambda instance (module scope) or Node server; `extra` adds what only
 * one entry point serves (the Node server's docs page).
 */
export function createRuntime(
  env: NodeJS.ProcessEnv = process.env,
  extra: Pick<AppSettings, "extraRoutes"> = {},
) {
  const config = apiConfig(env);
  const backend = createDbosBackend({
    databaseUrl: config.DBOS_SYSTEM_DATABASE_URL,
    appVersion: config.APP_VERSION,
    poolSize: config.DB_POOL_SIZE,
    fallbackPollMs: config.FALLBACK_POLL_MS,
    relayUrl: config.CHANGE_RELAY_URL,
    relaySecret: config.CHANGE_RELAY_SECRET,
    dbTimeoutMs: config.DB_TIMEOUT_MS,
    logLevel: config.LOG_LEVEL,
    feedLimits: new LiveFeedLimits(config.LIVE_FEEDS_MAX, config.LIVE_FEEDS_PER_WORKFLOW),
  });
  const app = createApp(backend, {
    apiKeys: config.API_KEYS,
    webhookSecret: config.WEBHOOK_SECRET,
    tokenKeys: config.TOKEN_KEYS,
    publicApiUrl: config.PUBLIC_API_URL,
    corsOrigins: config.CORS_ORIGINS,
    logLevel: config.LOG_LEVEL,
    liveFeedMaxMs: config.LIVE_FEED_MAX_SECONDS * 1000,
    liveFeedPathsOnly: config.LIVE_FEED_PATHS_ONLY,
    ...extra,
  });
  if (config.API_KEYS.length === 0) {
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "API_KEYS is not set: the API is open to anyone who can reach it",
      }),
    );
  }
  return { config, backend, app };
}
