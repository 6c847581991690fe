import { fileURLToPath } from "node:url";
import { APP_NAME, kindNamed } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runService, type ServiceProcess } from "@wfc/local-stack/child";
import { until } from "../support/fault.js";
import { startLoggingCluster, type LoggingCluster } from "../support/logging-cluster.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// `GET /` waits for its root workflow. Clients that leave before it finishes (here the worker
// is frozen, so it never does) must take the API's waiting with them: nothing keeps querying for
// them, and whatever the API logs about it stays JSON lines. Statements are read off the
// server's own log, by the API pool's application name.
const API_ENTRY = fileURLToPath(new URL("../../functions/api/src/server.ts", import.meta.url));
const ABANDONED = 8;
/** Long enough for 8 of the SDK's 50 ms pollers to run 80 statements. */
const QUIET_WINDOW_MS = 1_000;

let logging: LoggingCluster;
let admin: pg.Client;
let worker: TestWorker;
let api: ServiceProcess;
const apiOutput: string[] = [];
let base: string;

beforeAll(async () => {
  logging = await startLoggingCluster("abandoned-root");
  admin = new pg.Client({ connectionString: logging.cluster.url });
  await admin.connect();
  worker = await startWorker(logging.cluster.url);
  api = runService(
    "api",
    API_ENTRY,
    { ...process.env, DBOS_SYSTEM_DATABASE_URL: logging.cluster.url, PORT: "0" },
    (line) => apiOutput.push(line),
  );
  base = `http://127.0.0.1:${String((await api.ready).port)}`;
});
afterAll(async () => {
  worker?.child.kill("SIGCONT");
  await api?.stop();
  await worker?.stop();
  await admin?.end();
  await logging?.cluster.stop();
});

const rootsEnqueued = async () => {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM dbos.workflow_status WHERE name = $1",
    [kindNamed("fanout").workflowName],
  );
  return rows[0]!.n;
};

/** The access-log lines of `GET /` so far. */
const rootRequestsLogged = () =>
  apiOutput
    .filter((line) => /"msg":"request","method":"GET","path":"\/"/.test(line))
    .map((line) => JSON.parse(line.replace(/^\[api\] /, "")) as { level: string; status: number });

it("abandoned GET / requests leave no query running, and the API's log stays JSON", async () => {
  worker.child.kill("SIGSTOP");
  const clients = Array.from({ length: ABANDONED }, () => new AbortController());
  const requests = clients.map((client) =>
    fetch(`${base}/`, { signal: client.signal }).then(
      () => "answered",
      () => "abandoned",
    ),
  );
  // Every root is stored, so every request is waiting for its root: the clients leave.
  await until("every root enqueued", async () => (await rootsEnqueued()) === ABANDONED);
  for (const client of clients) client.abort();
  expect(await Promise.all(requests)).toEqual(Array(ABANDONED).fill("abandoned"));
  // The API has finished with each request once it logs it.
  await until(
    "every abandoned request logged",
    async () => rootRequestsLogged().length === ABANDONED,
    { timeoutMs: 30_000 },
  );
  // As nginx logs a client that left: no server error.
  expect
    .soft(rootRequestsLogged().map(({ level, status }) => `${level} ${status}`))
    .toEqual(Array(ABANDONED).fill("info 499"));

  const before = (await logging.statements(admin)).length;
  await new Promise((resolve) => setTimeout(resolve, QUIET_WINDOW_MS));
  const during = (await logging.statements(admin))
    .slice(before)
    .filter((statement) => statement.applicationName === `${APP_NAME}-api`);
  expect.soft(during.map((statement) => statement.text)).toEqual([]);

  await api.stop();
  const notJson = apiOutput
    .map((line) => line.replace(/^\[api\] /, ""))
    .filter((line) => {
      try {
        return typeof JSON.parse(line) !== "object";
      } catch {
        return true;
      }
    });
  expect(notJson).toEqual([]);
});
