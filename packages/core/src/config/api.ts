import { z } from "zod";
import { liveFeedLimit } from "../contracts/live-feed.js";
import {
  commaList,
  listenHost,
  intAtLeast,
  port,
  positiveInt,
  relaySecret,
  trueFalse,
  webhookSecret,
} from "./fields.js";
import { parseSettings, type Env } from "./parse.js";
import { sharedSettings } from "./shared.js";

export const apiSchema = z.object({
  ...sharedSettings,
  PORT: port(8000).describe("Port of the Node server"),
  HOST: listenHost().describe(
    "Where the Node server listens (0.0.0.0: every interface); the Lambda handler has no listener",
  ),
  // Small: a Lambda instance serves one request at a time, and waiters hold no connection.
  DB_POOL_SIZE: positiveInt(2).describe(
    "Pool connections of one API process, shared by the DBOS client and the SQL readers; plus one LISTEN connection when CHANGE_RELAY_URL is unset",
  ),
  FALLBACK_POLL_MS: positiveInt(2_000).describe(
    "Safety-net re-read of a waiting request when no notification arrives; with a change relay, the poll of a wait the relay could not finish",
  ),
  CHANGE_RELAY_URL: z
    .string()
    .url("must be an http:// URL")
    .optional()
    .describe(
      "The worker's change relay (http://host:8003), which answers waits and live feeds so that this process neither LISTENs nor holds a database connection while a client waits: set on Lambda. Unset: this process LISTENs itself",
    ),
  CHANGE_RELAY_SECRET: relaySecret.describe(
    "The secret this process sends the change relay (Authorization: Bearer), the same as the worker's; at least 32 characters; required with CHANGE_RELAY_URL",
  ),
  DB_TIMEOUT_MS: positiveInt(5_000).describe(
    "Longest a request's database call may take before the request is answered 503 (a wait: its own timeout)",
  ),
  // Bounded because on Lambda a streamed response runs and bills until it ends, even after its
  // client has left.
  LIVE_FEED_MAX_SECONDS: z.coerce
    .number()
    .positive()
    .max(
      liveFeedLimit.maxSeconds,
      `must be at most ${liveFeedLimit.maxSeconds} (a streamed response ends after 900 s)`,
    )
    .default(liveFeedLimit.defaultMaxSeconds)
    .describe(
      `Longest a live feed (server-sent events) stays open before it ends with event: reconnect and the client resumes, in seconds (fractions allowed); at most ${liveFeedLimit.maxSeconds}, since a streamed Lambda response ends after 900 s`,
    ),
  // So that no feed holds one of the Api function's environments: feeds run in ApiLive.
  LIVE_FEED_PATHS_ONLY: trueFalse("false").describe(
    "true: a live feed asked for at /workflow-events/{id}/all or /workflow-stream/{id} (Accept: text/event-stream) is answered 307 to the same path + /live, query kept; set on the deployed Api function, whose /live paths API Gateway sends to ApiLive",
  ),
  LIVE_FEEDS_MAX: positiveInt(2_000).describe(
    "The most live feeds one API process follows at once; the next is answered 429 with Retry-After",
  ),
  STATS_INTERVAL_MS: intAtLeast(0, 0).describe(
    "Print memory and event-loop delay every this many ms, for load tests and operators (0: off)",
  ),
  // Secrets: no default.
  API_KEYS: commaList(z.string().min(16, "each key must be at least 16 characters")).describe(
    "Comma-separated keys accepted as Authorization: Bearer <key>, 16+ characters each; several at once while rotating. Unset: the API is open",
  ),
  WEBHOOK_SECRET: webhookSecret
    .optional()
    .describe(
      'Standard Webhooks secret for POST /webhooks/{id}: whsec_ and the padded base64 of 24+ random bytes (make one with: echo "whsec_$(openssl rand -base64 32)"). Unset: /webhooks answers 404',
    ),
  CORS_ORIGINS: commaList(
    z.string().url("each origin must be a URL such as https://app.example.com"),
  ).describe(
    "Comma-separated origins whose pages may call the API from a browser (such as https://app.example.com). Unset: no CORS",
  ),
});

/** Settings that only make sense together, checked after each is valid. */
const checkedApiSchema = apiSchema.superRefine((config, ctx) => {
  if (config.CHANGE_RELAY_URL && !config.CHANGE_RELAY_SECRET)
    ctx.addIssue({
      code: "custom",
      path: ["CHANGE_RELAY_SECRET"],
      message: "is required with CHANGE_RELAY_URL (the relay's secret, the same as the worker's)",
    });
});

export type ApiConfig = z.infer<typeof apiSchema>;
/** The API's settings by name: what runs the API elsewhere (a local Lambda environment) passes on. */
export const API_SETTINGS: readonly string[] = Object.keys(apiSchema.shape);

/** Parses the API's settings. @throws ConfigError naming each bad variable. */
export const loadApiConfig = (env: Env): ApiConfig => parseSettings(checkedApiSchema, env);
