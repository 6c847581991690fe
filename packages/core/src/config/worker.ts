import { hostname } from "node:os";
import { z } from "zod";
import { liveFeedLimit } from "../contracts/live-feed.js";
import {
  commaList,
  listenHost,
  intAtLeast,
  onOff,
  optionalPositiveInt,
  port,
  positiveInt,
  relaySecret,
  roleName,
  secret,
  ssmParameterPath,
  text,
  trueFalse,
} from "./fields.js";
import { kindSettingEnvs, kindSettingSchemas } from "./kind-settings.js";
import { parseSettings, type Env } from "./parse.js";
import { sharedSettings } from "./shared.js";

export const workerSchema = z.object({
  ...sharedSettings,
  ...kindSettingSchemas,
  // The host name is unique per container (ECS task).
  EXECUTOR_ID: text(100)
    .default(hostname())
    .describe(
      "DBOS executor identity, unique per worker; a worker restarted under the same ID recovers the workflows it left pending",
    ),
  HEALTH_PORT: port(8001).describe(
    "Port of the worker's health check (GET /health); 0 picks a free port",
  ),
  HEALTH_HOST: listenHost().describe(
    "Where the health check listens; loopback suffices in a container, where ECS runs the check and no load balancer asks the worker",
  ),
  DB_POOL_SIZE: positiveInt(10).describe("Connections of the pool DBOS runs on"),
  FIBONACCI_THREADS: optionalPositiveInt().describe(
    "Worker threads for the fibonacci steps. Unset: one per core",
  ),
  // 1000: DBOS's own default, since with the enqueue wake-up the poll is only a safety net.
  QUEUE_POLLING_INTERVAL_MS: positiveInt(1_000).describe(
    "How often the worker polls its queue: with QUEUE_WAKE on, only the safety net for a lost notification; with it off, enqueue-to-start latency against idle database load",
  ),
  // Unset: `notifierBatchMs` (dbos/notify-triggers.ts) chooses.
  NOTIFICATION_COALESCE_MS: optionalPositiveInt().describe(
    "How long DBOS's own notifier batches event and stream notifications after the writes commit. Unset: 1000 with NOTIFY_TRIGGERS (its NOTIFYs only repeat the triggers'), otherwise 1",
  ),
  SHUTDOWN_GRACE_MS: intAtLeast(0, 10_000).describe(
    "On SIGTERM, how long running workflows may finish before the worker exits and leaves the rest to recovery; keep it below EXECUTOR_DEAD_AFTER_MS",
  ),
  // Far above any wait a loaded worker sees (milliseconds for a connection, a second for a
  // dispatch), well below PostgreSQL's 60 s idle-transaction limit.
  STALL_AFTER_MS: intAtLeast(1_000, 30_000).describe(
    "How long a worker may make no progress while work waits (its pool starved, or work of its version left ENQUEUED) before it fails its health check, stops its heartbeat and exits to be replaced; at least 1000",
  ),
  // So that a held lock shows as a failing start, not as a worker hanging before its health
  // check opens.
  STARTUP_LOCK_WAIT_MS: positiveInt(30_000).describe(
    "Longest the start-up waits for a lock another session holds (DBOS's migration, the wfc schema's set-up, the API role's grants); then the worker logs what it gave up on and exits 1",
  ),
  HEARTBEAT_INTERVAL_MS: positiveInt(5_000).describe(
    "How often the worker records that it is alive and looks for dead workers whose workflows to take over",
  ),
  // Well above the interval, since a live worker declared dead would have its workflows run twice.
  EXECUTOR_DEAD_AFTER_MS: positiveInt(15_000).describe(
    "A worker silent this long is dead and its pending workflows are taken over; keep it well above HEARTBEAT_INTERVAL_MS and above SHUTDOWN_GRACE_MS",
  ),
  RELAY_PORT: port(8003).describe("Port of the change relay; 0 picks a free port"),
  RELAY_HOST: listenHost().describe(
    "Where the change relay listens; in a container 0.0.0.0, reachable from the API's security group only",
  ),
  CHANGE_RELAY_SECRET: relaySecret.describe(
    "The secret the API must send the change relay (Authorization: Bearer), the same on both sides; at least 32 characters. Unset: the relay does not listen, and the API waits by itself, more slowly",
  ),
  // Any other Host is refused, against DNS rebinding.
  RELAY_ALLOWED_HOSTS: commaList(
    z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, "each must be a host name"),
  ).describe(
    "Comma-separated host names the relay answers under besides RELAY_HOST (the name in the API's CHANGE_RELAY_URL, without its port); required when RELAY_HOST is 0.0.0.0 or ::",
  ),
  RELAY_MAX_ANSWERS: positiveInt(1_000).describe(
    "The most waits and live feeds one relay holds open at once; more are answered 503, and the API then waits by itself",
  ),
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
  API_DATABASE_ROLE: roleName("wfc_api").describe(
    "Name of the API's own database role, kept by the worker when API_DATABASE_PASSWORD is set: a lower-case identifier (a-z 0-9 _, up to 63 characters, not pg_...). Roles belong to the whole server: give each stage sharing one its own",
  ),
  API_DATABASE_PASSWORD: secret(16).describe(
    "A secret: when set, the worker creates or updates the API's database role with this password (16+ characters, never logged). Unset: no role is kept",
  ),
  API_DATABASE_CONNECTION_LIMIT: positiveInt(20).describe(
    "The most connections the API's role may hold at once, across every API environment; the excess is answered 503 with Retry-After",
  ),
  BACKLOG_METRIC_INTERVAL_MS: intAtLeast(0, 60_000).describe(
    "How often the worker prints its queues' backlog (ENQUEUED and PENDING of its version) as a CloudWatch embedded-metric line on stdout, the signal the service scales on; 0: off",
  ),
  METRIC_STAGE: text(255)
    .optional()
    .describe(
      "The Stage dimension of the backlog metric (deployed: the stage name), so stages sharing an account keep apart. Unset: no Stage dimension",
    ),
  RELEASE_REGISTRY_PARAMETER: ssmParameterPath
    .optional()
    .describe(
      "The SSM parameter naming this version in the release registry (/workflow-communication/<stage>/worker-releases/<version>), deleted by the worker once it has retired, so the next deploy removes its service. Unset (local): nothing to delete",
    ),
  RETIRE_CHECK_INTERVAL_MS: positiveInt(10_000).describe(
    "How often a worker whose version is no longer the latest checks whether it may retire",
  ),
  RETIRE_QUIET_MS: positiveInt(60_000).describe(
    "How long the retirement conditions must hold without a break before the worker retires: longer than any start request, so a start of the old version cannot arrive after it",
  ),
  QUEUE_WAKE: onOff().describe(
    "on: each enqueue NOTIFYs the worker, which dispatches it at once; off: dispatch waits for the next poll",
  ),
  NOTIFY_TRIGGERS: trueFalse("true").describe(
    "true: every event and stream write NOTIFYs in its own transaction (triggers the worker installs), one commit on the live path instead of two; false: the worker removes them and DBOS's own notifier (batched by NOTIFICATION_COALESCE_MS) alone announces writes, as in plain DBOS",
  ),
  PREPARED_STATEMENTS: onOff().describe(
    "on: DBOS's statements are sent as named statements, parsed once per connection; off, as plain DBOS: each is parsed and planned on every call, needed when the worker reaches PostgreSQL through a transaction pooler",
  ),
});

// A kind's setting must not shadow another kind's or the worker's own (which come later).
const clashes = kindSettingEnvs.filter(
  (env, i) =>
    kindSettingEnvs.indexOf(env) !== i ||
    (workerSchema.shape as Record<string, z.ZodType>)[env] !==
      (kindSettingSchemas as Record<string, z.ZodType>)[env],
);
if (clashes.length) throw new Error(`Kind settings clash with other settings: ${clashes}`);

/** Whether an address is every interface's, under which no host name is implied. */
export const isWildcardHost = (host: string) => ["0.0.0.0", "::", "[::]"].includes(host);

/** Settings that only make sense together, checked after each is valid. */
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

export type WorkerConfig = z.infer<typeof workerSchema>;

/** Parses the worker's settings. @throws ConfigError naming each bad variable. */
export const loadWorkerConfig = (env: Env): WorkerConfig => parseSettings(checkedWorkerSchema, env);
