import { hostname } from "node:os";
import { parseKeyRing, TOKEN_MAX_TTL_SECONDS } from "@wfc/tokens";
import { z } from "zod";
import { liveFeedLimit } from "./contracts/live-feed.js";
import type { AnyKind, KindSetting } from "./kind.js";
import { KINDS } from "./kinds/index.gen.js";

/**
 * Configuration for each process, validated once at start-up. Core never reads the
 * environment itself: the entry points pass `process.env` (or SST's linked values) in.
 */

/** The application version both API and worker pin by default (docs/operations/releases.md). */
export const DEFAULT_APP_VERSION = "1";

const postgresUrl = z
  .string({ error: "is required (a postgres:// connection string)" })
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), "must be a postgres:// connection string");

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * A PostgreSQL role name we can put into SQL unquoted-safe: lower case, starting with a letter,
 * at most 63 bytes (the server's identifier limit), and not reserved for system roles (`pg_`).
 */
const roleName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, "must be a lower-case identifier (a-z, 0-9, _; 1-63 characters)")
  .refine((v) => !v.startsWith("pg_"), "must not start with pg_ (reserved for system roles)");

/** Fewest bytes a webhook secret decodes to: 192 bits, the size of the secrets Svix issues. */
const WEBHOOK_SECRET_MIN_BYTES = 24;
const PADDED_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A Standard Webhooks secret: `whsec_` and the padded base64 of at least 24 bytes (the prefix may
 * be left out, as the spec's libraries allow). The libraries decode leniently (`whsec_AAAAAAAAAA`
 * is a 7-byte zero key) or throw at start-up; a placeholder of one repeated byte is no secret.
 * The message never repeats the value.
 */
const webhookSecret = z.string().refine((value) => {
  const encoded = value.replace(/^whsec_/, "");
  if (!PADDED_BASE64.test(encoded)) return false;
  const key = Buffer.from(encoded, "base64");
  return key.length >= WEBHOOK_SECRET_MIN_BYTES && key.some((byte) => byte !== key[0]);
}, `must be whsec_ followed by the base64 of at least ${WEBHOOK_SECRET_MIN_BYTES} random bytes, such as the output of: echo "whsec_$(openssl rand -base64 32)"`);

/** A comma-separated list (blanks ignored), each item checked by `item`. */
const commaList = (item: z.ZodString) =>
  z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/**
 * The secret the API authenticates to the change relay with (`Authorization: Bearer`), the same
 * value on both sides. A secret: no default.
 */
const relaySecret = z.string().min(32, "must be at least 32 characters").optional();

const shared = {
  DBOS_SYSTEM_DATABASE_URL: postgresUrl.describe(
    "PostgreSQL connection string of the DBOS system database (the seed's name); where SST links a database, taken from the link",
  ),
  /**
   * The most live feeds of one workflow that one API process (or, on Lambda, the change relay,
   * which follows them all) keeps open at once; the next gets 429 with Retry-After.
   */
  LIVE_FEEDS_PER_WORKFLOW: positiveInt(100).describe(
    "The most live feeds of one workflow that one API process, or the worker's change relay (which follows the feeds of every Lambda environment), keeps open at once; the next is answered 429 with Retry-After",
  ),
  APP_VERSION: z
    .string()
    .min(1)
    .max(64)
    .default(DEFAULT_APP_VERSION)
    .describe(
      "DBOS application version, the same on the API and the worker: a workflow runs on the workers of the version that started it. Change it on both sides together when a release changes how a workflow replays its steps",
    ),
  LOG_LEVEL: z
    .enum(["debug", "info", "warn", "error"])
    .default("info")
    .describe("Least severe log line written: debug, info, warn or error"),
};

export const apiSchema = z.object({
  ...shared,
  PORT: port(8000).describe("Port of the Node server"),
  /**
   * Where the local Node server listens: loopback, so `npm start` is not reachable from the
   * network unless asked (`0.0.0.0` in a container). The Lambda handler has no listener.
   */
  HOST: z
    .string()
    .min(1)
    .default("127.0.0.1")
    .describe(
      "Where the Node server listens (0.0.0.0: every interface); the Lambda handler has no listener",
    ),
  /**
   * Pool connections per API process (plus one shared LISTEN connection). A Lambda instance
   * serves one request at a time, and waiters hold no connection while they wait.
   */
  DB_POOL_SIZE: positiveInt(2).describe(
    "Pool connections of one API process, shared by the DBOS client and the SQL readers; plus one LISTEN connection when CHANGE_RELAY_URL is unset",
  ),
  /**
   * Re-read interval of waiting requests when no notification arrives: the safety net with a
   * LISTEN of our own, the path while the relay cannot be reached.
   */
  FALLBACK_POLL_MS: positiveInt(2_000).describe(
    "Safety-net re-read of a waiting request when no notification arrives; with a change relay, the poll of a wait the relay could not finish",
  ),
  /**
   * The change relay (`http://host:port` of a worker) that answers waits and live feeds, so that
   * this process holds no LISTEN connection and no connection while it waits: what Lambda
   * environments use. Unset: this process LISTENs itself (a long-running server).
   */
  CHANGE_RELAY_URL: z
    .string()
    .url("must be an http:// URL")
    .optional()
    .describe(
      "The worker's change relay (http://host:8003), which answers waits and live feeds so that this process neither LISTENs nor holds a database connection while a client waits: set on Lambda. Unset: this process LISTENs itself",
    ),
  /** The relay's secret (see `relaySecret`); required with `CHANGE_RELAY_URL`. */
  CHANGE_RELAY_SECRET: relaySecret.describe(
    "The secret this process sends the change relay (Authorization: Bearer), the same as the worker's; at least 32 characters; required with CHANGE_RELAY_URL",
  ),
  /** Longest a request's database call may take before it is answered 503 (waits: their timeout). */
  DB_TIMEOUT_MS: positiveInt(5_000).describe(
    "Longest a request's database call may take before the request is answered 503 (a wait: its own timeout)",
  ),
  /**
   * Longest a live feed (server-sent events) stays open, in seconds (fractions allowed); it then
   * ends with a `reconnect` event. On Lambda a streamed response runs and bills until it ends,
   * even after its client has left.
   */
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
  /**
   * `true` where live feeds run in a function of their own (the deployed `Api`, whose `/live`
   * paths API Gateway sends to `ApiLive`): a feed asked for at another path (`Accept:
   * text/event-stream` on `/workflow-events/{id}/all` or `/workflow-stream/{id}`) is answered
   * 307 to its `/live` path, so no feed holds one of this function's environments.
   */
  LIVE_FEED_PATHS_ONLY: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("false")
    .transform((v) => v === "true")
    .describe(
      "true: a live feed asked for at /workflow-events/{id}/all or /workflow-stream/{id} (Accept: text/event-stream) is answered 307 to the same path + /live, query kept; set on the deployed Api function, whose /live paths API Gateway sends to ApiLive",
    ),
  /** The most live feeds one API process keeps open at once (on Lambda: one per environment). */
  LIVE_FEEDS_MAX: positiveInt(2_000).describe(
    "The most live feeds one API process follows at once; the next is answered 429 with Retry-After",
  ),
  /** Print memory and event-loop delay every this many ms (0: off). For load tests and operators. */
  STATS_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("Print memory and event-loop delay every this many ms (0: off)"),
  /** Comma-separated keys for `Authorization: Bearer`; two at once while rotating. No default. */
  API_KEYS: commaList(z.string().min(16, "each key must be at least 16 characters")).describe(
    "Comma-separated keys accepted as Authorization: Bearer <key>, 16+ characters each; several at once while rotating. Unset: the API is open",
  ),
  /** Standard Webhooks secret (`whsec_` + base64 of 24+ bytes). No default. */
  WEBHOOK_SECRET: webhookSecret
    .optional()
    .describe(
      'Standard Webhooks secret for POST /webhooks/{id}: whsec_ and the padded base64 of 24+ random bytes (make one with: echo "whsec_$(openssl rand -base64 32)"). Unset: /webhooks answers 404',
    ),
  /** The capability tokens' key ring (`kid:secret,...`, newest last). A secret: no default. */
  TOKEN_KEYS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === "") return undefined;
      try {
        return parseKeyRing(text);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .describe(
      `Capability tokens' signing keys (POST /tokens): kid:secret,... oldest first; the last signs, any verifies (rotate: add, wait ${TOKEN_MAX_TTL_SECONDS / 3600} h, remove). Secrets: base64url of 32+ random bytes. Unset: tokens off`,
    ),
  /** Comma-separated origins allowed by CORS; unset means no CORS. */
  CORS_ORIGINS: commaList(
    z.string().url("each origin must be a URL such as https://app.example.com"),
  ).describe(
    "Comma-separated origins whose pages may call the API from a browser (such as https://app.example.com). Unset: no CORS",
  ),
});

/** A kind's settings as [name in its workflow, declaration] pairs. */
const settingsOf = (kind: AnyKind) => Object.entries(kind.settings as Record<string, KindSetting>);

/**
 * Every kind's settings, by environment variable (declared in `kinds/<kind>.ts`). Typed as no
 * keys here: the workflows read them typed by their declaration (`kindSettingsOf`).
 */
const kindSettingSchemas: Record<never, z.ZodType> = Object.fromEntries(
  KINDS.flatMap((kind) => settingsOf(kind).map(([, setting]) => [setting.env, setting.schema])),
);

export const workerSchema = z.object({
  ...shared,
  ...kindSettingSchemas,
  /** Unique per worker; the host name is unique per container (ECS task). */
  EXECUTOR_ID: z
    .string()
    .min(1)
    .max(100)
    .default(hostname())
    .describe(
      "DBOS executor identity, unique per worker; a worker restarted under the same ID recovers the workflows it left pending",
    ),
  HEALTH_PORT: port(8001).describe(
    "Port of the worker's health check (GET /health); 0 picks a free port",
  ),
  /**
   * Where the health check listens. Loopback suffices in a container too: the ECS health check
   * runs inside it (`WORKER_HEALTH_CHECK`), and no load balancer asks the worker.
   */
  HEALTH_HOST: z
    .string()
    .min(1)
    .default("127.0.0.1")
    .describe(
      "Where the health check listens; loopback suffices in a container, where ECS runs the check",
    ),
  DB_POOL_SIZE: positiveInt(10).describe("Connections of the pool DBOS runs on"),
  FIBONACCI_THREADS: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe("Worker threads for the fibonacci steps. Unset: one per core"),
  /**
   * How often the worker polls the queue: with the enqueue wake-up (`QUEUE_WAKE`) only the
   * safety net for a lost notification, so DBOS's own default; without it, enqueue -> start
   * latency vs. idle DB load.
   */
  QUEUE_POLLING_INTERVAL_MS: positiveInt(1_000).describe(
    "How often the worker polls its queue: with QUEUE_WAKE on, only the safety net for a lost notification; with it off, enqueue-to-start latency against idle database load",
  ),
  /**
   * How long DBOS's own notifier batches event/stream NOTIFYs (sent after each write commits).
   * Unset: chosen by NOTIFY_TRIGGERS (`notifierBatchMs`).
   */
  NOTIFICATION_COALESCE_MS: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "How long DBOS's own notifier batches event and stream notifications after the writes commit. Unset: 1000 with NOTIFY_TRIGGERS (its NOTIFYs only repeat the triggers'), otherwise 1",
    ),
  /** How long SIGTERM waits for running workflows before leaving them to recovery. */
  SHUTDOWN_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe(
      "On SIGTERM, how long running workflows may finish before the worker exits; keep it below EXECUTOR_DEAD_AFTER_MS",
    ),
  /**
   * How long a worker may make no progress while work waits (its pool starved, or work of its
   * version left ENQUEUED) before it fails its health check, stops its heartbeat and exits, to be
   * replaced. Far above any wait a loaded worker sees (milliseconds for a connection, a second for
   * a dispatch), well below PostgreSQL's 60 s idle-transaction limit.
   */
  STALL_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(30_000)
    .describe(
      "How long a worker may make no progress while work waits (its pool starved, or work of its version left ENQUEUED) before it fails its health check, stops its heartbeat and exits to be replaced; at least 1000",
    ),
  /**
   * The longest the worker's start-up waits for a lock another session holds (DBOS's migration,
   * our schema's set-up, the API role's grants): then it exits non-zero, naming what it waited
   * for, so a held lock shows as a failing start instead of a worker hanging before its health
   * check opens.
   */
  STARTUP_LOCK_WAIT_MS: positiveInt(30_000).describe(
    "Longest the start-up waits for a lock another session holds (DBOS's migration, the wfc schema's set-up, the API role's grants); then the worker logs what it gave up on and exits 1",
  ),
  /** How often the worker records that it is alive and looks for dead workers to take over. */
  HEARTBEAT_INTERVAL_MS: positiveInt(5_000).describe(
    "How often the worker records that it is alive and looks for dead workers whose workflows to take over",
  ),
  /**
   * A worker silent this long is dead: its pending workflows are taken over. Keep it well above
   * the interval, since a live worker declared dead would have its workflows run twice.
   */
  EXECUTOR_DEAD_AFTER_MS: positiveInt(15_000).describe(
    "A worker silent this long is dead and its pending workflows are taken over; keep it well above HEARTBEAT_INTERVAL_MS and above SHUTDOWN_GRACE_MS",
  ),
  /**
   * The change relay that answers the API's waits (see `RELAY_PATHS`): its port (0: a free one)
   * and address. Loopback unless the API runs elsewhere (a container: 0.0.0.0).
   */
  RELAY_PORT: port(8003).describe("Port of the change relay; 0 picks a free port"),
  RELAY_HOST: z
    .string()
    .min(1)
    .default("127.0.0.1")
    .describe(
      "Where the change relay listens; in a container 0.0.0.0, reachable from the API's security group only",
    ),
  /**
   * The relay's secret (see `relaySecret`). Unset: the relay does not listen (the API then waits
   * by itself, more slowly).
   */
  CHANGE_RELAY_SECRET: relaySecret.describe(
    "The secret the API must send the change relay (Authorization: Bearer), the same on both sides; at least 32 characters. Unset: the relay does not listen, and the API waits by itself",
  ),
  /**
   * Host names the relay answers under besides `RELAY_HOST` (the `Host` header without its port):
   * the name in the API's `CHANGE_RELAY_URL`. Any other is refused (DNS rebinding). Required when
   * `RELAY_HOST` is a wildcard (`0.0.0.0`, `::`).
   */
  RELAY_ALLOWED_HOSTS: commaList(
    z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, "each must be a host name"),
  ).describe(
    "Comma-separated host names the relay answers under besides RELAY_HOST (the name in the API's CHANGE_RELAY_URL); required when RELAY_HOST is 0.0.0.0",
  ),
  /** The most answers (waits and live feeds) the relay holds open at once; more are refused 503. */
  RELAY_MAX_ANSWERS: positiveInt(1_000).describe(
    "The most waits and live feeds one relay holds open at once; more are answered 503, and the API then waits by itself",
  ),
  /**
   * How long the relay follows one live feed at most, in seconds: by default the longest an API
   * keeps a feed open (`LIVE_FEED_MAX_SECONDS`'s limit), so it never ends one the API still serves.
   */
  RELAY_FEED_MAX_SECONDS: z.coerce
    .number()
    .positive()
    .max(liveFeedLimit.maxSeconds, `must be at most ${liveFeedLimit.maxSeconds}`)
    .default(liveFeedLimit.maxSeconds)
    .describe(
      "Longest the relay follows one live feed, in seconds: by default the API's LIVE_FEED_MAX_SECONDS limit, so it never ends a feed the API still serves",
    ),
  RELAY_POOL_SIZE: positiveInt(4).describe("Connections of the relay's pool, besides its LISTEN"),
  RELAY_POLL_MS: positiveInt(5_000).describe("The relay's re-read of a waiter that hears nothing"),
  /** The API's own database role, which the worker creates and keeps (see `api-role.ts`). */
  API_DATABASE_ROLE: roleName
    .default("wfc_api")
    .describe(
      "Name of the API's own database role, kept by the worker when API_DATABASE_PASSWORD is set: a lower-case identifier (a-z 0-9 _, up to 63 characters, not pg_...). Roles belong to the whole server: give each stage sharing one its own",
    ),
  /** The API role's password; unset means the worker manages no role. A secret: no default. */
  API_DATABASE_PASSWORD: z
    .string()
    .min(16, "must be at least 16 characters")
    .optional()
    .describe(
      "A secret: when set, the worker creates or updates the API's database role with this password (16+ characters, never logged). Unset: no role is kept",
    ),
  /** The most connections the API role may hold at once, across every API environment. */
  API_DATABASE_CONNECTION_LIMIT: positiveInt(20).describe(
    "The most connections the API's role may hold at once, across every API environment; the excess is answered 503 with Retry-After",
  ),
  /**
   * How often the worker prints its queues' backlog (ENQUEUED and PENDING) as a CloudWatch
   * embedded-metric line on stdout, what the service scales out on (0: off).
   */
  BACKLOG_METRIC_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe(
      "How often the worker prints its queues' backlog (ENQUEUED and PENDING of its version) as a CloudWatch embedded-metric line on stdout, the signal the service scales on; 0: off",
    ),
  /** The `Stage` dimension of that metric, so stages sharing an account keep apart; unset: none. */
  METRIC_STAGE: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe(
      "The Stage dimension of the backlog metric (deployed: the stage name), so stages sharing an account keep apart",
    ),
  /**
   * This version's entry in the release registry (an SSM parameter name), which the worker deletes
   * once it has retired, so the next deploy removes its service. Unset: nothing to delete (local).
   */
  RELEASE_REGISTRY_PARAMETER: z
    .string()
    .max(1011)
    .regex(/^\/[A-Za-z0-9_.\-/]+$/, "must be an SSM parameter path such as /app/stage/name")
    .optional()
    .describe(
      "The SSM parameter naming this version in the release registry (/workflow-communication/<stage>/worker-releases/<version>), deleted by the worker once it has retired. Unset: nothing to delete",
    ),
  RETIRE_CHECK_INTERVAL_MS: positiveInt(10_000).describe(
    "How often a worker whose version is no longer the latest checks whether it may retire",
  ),
  /**
   * How long the retirement conditions must hold without a break before the worker retires:
   * longer than any start request, so a straggling start of the old version cannot come after.
   */
  RETIRE_QUIET_MS: positiveInt(60_000).describe(
    "How long the retirement conditions must hold without a break before the worker retires: longer than any start request, so a start of the old version cannot arrive after it",
  ),
  /**
   * `on`: an enqueue NOTIFYs the worker, which dispatches it at once (see queue-wake.ts);
   * `off`: dispatch waits for the next poll.
   */
  QUEUE_WAKE: z
    .enum(["on", "off"])
    .default("on")
    .describe(
      "on: each enqueue NOTIFYs the worker, which dispatches it at once; off: dispatch waits for the next poll",
    ),
  /**
   * `true`: event and stream writes NOTIFY in their own transaction (triggers the worker
   * installs), one commit instead of two on the live path. `false`: the worker removes them and
   * DBOS's own notifier (batched by NOTIFICATION_COALESCE_MS) is the only one, as in plain DBOS.
   */
  NOTIFY_TRIGGERS: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("true")
    .transform((v) => v === "true")
    .describe(
      "true: every event and stream write NOTIFYs in its own transaction (triggers the worker installs), one commit on the live path; false: the worker removes them and DBOS's own notifier alone announces writes",
    ),
  /**
   * `on`: DBOS's statements go to PostgreSQL as named statements, parsed once per connection
   * (`functions/worker/src/system-pool.ts`). `off`, as plain DBOS: each is parsed and planned on
   * every call; needed when the worker reaches PostgreSQL through a transaction pooler.
   */
  PREPARED_STATEMENTS: z
    .enum(["on", "off"])
    .default("on")
    .describe(
      "on: DBOS's statements are sent as named statements, parsed once per connection; off, as plain DBOS: needed when the worker reaches PostgreSQL through a transaction pooler",
    ),
});

// A kind's setting must not shadow another kind's or the worker's own (which come later).
const kindEnvs = KINDS.flatMap((kind) => settingsOf(kind).map(([, s]) => s.env));
const clashes = kindEnvs.filter(
  (env, i) =>
    kindEnvs.indexOf(env) !== i ||
    (workerSchema.shape as Record<string, z.ZodType>)[env] !==
      (kindSettingSchemas as Record<string, z.ZodType>)[env],
);
if (clashes.length) throw new Error(`Kind settings clash with other settings: ${clashes}`);

/** Settings that only make sense together, checked after each is valid. */
const checkedApiSchema = apiSchema.superRefine((config, ctx) => {
  if (config.CHANGE_RELAY_URL && !config.CHANGE_RELAY_SECRET)
    ctx.addIssue({
      code: "custom",
      path: ["CHANGE_RELAY_SECRET"],
      message: "is required with CHANGE_RELAY_URL (the relay's secret, the same as the worker's)",
    });
});

/** Whether an address is every interface's, under which no host name is implied. */
export const isWildcardHost = (host: string) => ["0.0.0.0", "::", "[::]"].includes(host);

const checkedWorkerSchema = workerSchema.superRefine((config, ctx) => {
  if (
    config.CHANGE_RELAY_SECRET &&
    isWildcardHost(config.RELAY_HOST) &&
    config.RELAY_ALLOWED_HOSTS.length === 0
  )
    ctx.addIssue({
      code: "custom",
      path: ["RELAY_ALLOWED_HOSTS"],
      message: `is required when RELAY_HOST is ${config.RELAY_HOST} (the host name the API calls the relay by)`,
    });
});

export type ApiConfig = z.infer<typeof apiSchema>;
/** The API's settings by name: what runs the API elsewhere (a local Lambda environment) passes on. */
export const API_SETTINGS: readonly string[] = Object.keys(apiSchema.shape);
export type WorkerConfig = z.infer<typeof workerSchema>;
type Env = Record<string, string | undefined>;

/** Thrown when settings are missing or invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration: ${issues.join("; ")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parses settings from an environment with a zod schema; empty values count as unset.
 * Exported for the local tools (`npm start`, the Lambda emulator), which have settings of their own.
 * @throws ConfigError naming each bad variable.
 */
export function parseSettings<T extends z.ZodType>(schema: T, env: Env): z.infer<T> {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`));
}

/** Parses the API's settings. @throws ConfigError naming each bad variable. */
export const loadApiConfig = (env: Env): ApiConfig => parseSettings(checkedApiSchema, env);

/** Each kind's settings values, by kind name and the setting's name in its declaration. */
export const kindSettingsOf = (config: WorkerConfig): Record<string, Record<string, unknown>> =>
  Object.fromEntries(
    KINDS.map((kind) => [
      kind.name,
      Object.fromEntries(
        settingsOf(kind).map(([name, setting]) => [
          name,
          (config as Record<string, unknown>)[setting.env],
        ]),
      ),
    ]),
  );

/** Parses the worker's settings. @throws ConfigError naming each bad variable. */
export const loadWorkerConfig = (env: Env): WorkerConfig => parseSettings(checkedWorkerSchema, env);
