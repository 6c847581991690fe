import { DBOS } from "@dbos-inc/dbos-sdk";
import { APP_NAME } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { describeWithPgbouncer, startPgbouncer, type Pgbouncer } from "../support/pgbouncer.js";
import { startWorker, type TestWorker } from "../support/worker.js";
import { API_PATHS, type PathContext } from "./api-paths.js";
import { startLoggingCluster, type LoggingCluster } from "../support/logging-cluster.js";
import {
  isListen,
  isPoolerParameterSync,
  sessionStateIn,
  type LoggedStatement,
} from "../support/statement-log.js";

// Nothing the API sends through the pooler may rely on session state: under RDS Proxy it would
// pin the connection to one client (losing the multiplexing), under pgbouncer in transaction
// mode it would leak to other clients or be lost. A cluster of the test's own logs every
// statement with its application name; the API's paths run through pgbouncer.
const API_APPLICATION = `${APP_NAME}-api`;
const run = Date.now();

describeWithPgbouncer("session state the API leaves on pooled connections", () => {
  let logging: LoggingCluster;
  let cluster: LoggingCluster["cluster"];
  let pgbouncer: Pgbouncer;
  let worker: TestWorker;
  let ctx: PathContext;

  /** Every statement logged so far. */
  const loggedStatements = () => logging.statements(ctx.db);

  /** Statements of the API's server connections (pgbouncer's backends serve only the API). */
  function apiStatements(statements: LoggedStatement[]) {
    const apiPids = new Set(
      statements.filter((s) => s.applicationName.startsWith(API_APPLICATION)).map((s) => s.pid),
    );
    return statements.filter((s) => apiPids.has(s.pid) && !isPoolerParameterSync(s));
  }

  let statements: LoggedStatement[] = [];
  beforeAll(async () => {
    logging = await startLoggingCluster("session");
    cluster = logging.cluster;
    await DBOS.migrate(cluster.url);
    const { username, password } = new URL(cluster.url);
    pgbouncer = await startPgbouncer({
      serverUrl: cluster.url,
      users: [{ name: username, password }],
    });
    worker = await startWorker(cluster.url, { RECV_TIMEOUT_SECONDS: "30", RELAY_PORT: "0" });
    // As deployed: waits go to the worker's change relay, which LISTENs on the instance itself.
    const relayUrl = `http://127.0.0.1:${String((await worker.ready).relayPort)}`;
    ctx = {
      api: createTestApi(pgbouncer.url("dbos"), undefined, { relayUrl }),
      inspector: await createInspector(cluster.url),
      db: new pg.Pool({ connectionString: cluster.url, max: 1 }),
      id: (name) => `session-${name}-${run}`,
    };
    for (const [, path] of API_PATHS) await path(ctx);
    statements = apiStatements(await loggedStatements());
    const kinds = new Map<string, number>();
    for (const s of statements) {
      const kind = /^\s*SET\s+LOCAL\b/i.test(s.text) ? "SET LOCAL" : s.text.split(/\s/)[0]!;
      kinds.set(kind.toUpperCase(), (kinds.get(kind.toUpperCase()) ?? 0) + 1);
    }
    console.log(
      `[pooler] API statements through pgbouncer: ${statements.length} ` +
        `(${[...kinds].map(([kind, n]) => `${kind} ${n}`).join(", ")})`,
    );
  });
  afterAll(async () => {
    await ctx?.api.close();
    await worker?.stop();
    await ctx?.inspector.close();
    await ctx?.db.end();
    await pgbouncer?.stop();
    await cluster?.stop();
  });

  it("sees the API's own statements, from its pool and its DBOS client", () => {
    // Enqueue (DBOSClient on the API's pool) and the SQL readers both ran on API connections.
    expect(statements.some((s) => /INSERT INTO "?dbos"?\.workflow_status/i.test(s.text))).toBe(
      true,
    );
    expect(statements.some((s) => /FROM "?dbos"?\.streams/i.test(s.text))).toBe(true);
  });

  it("sends no session-level SET, PREPARE, advisory lock, WITH HOLD cursor or temporary table", () => {
    const pinning = statements.flatMap((s) => {
      const found = sessionStateIn(s);
      return found ? [`${found} (${s.applicationName}): ${s.text.slice(0, 200)}`] : [];
    });
    expect(pinning).toEqual([]);
  });

  it("sends no LISTEN: whatever must hold a session goes to the instance directly", () => {
    expect(statements.filter(isListen).map((s) => s.text)).toEqual([]);
  });

  it("would see a session-level SET if one were sent on an API connection", async () => {
    const probe = new pg.Client({
      connectionString: pgbouncer.url("dbos"),
      application_name: `${API_APPLICATION}-probe`,
    });
    await probe.connect();
    await probe.query("SET statement_timeout = 12345");
    await probe.end();
    const found = apiStatements(await loggedStatements()).filter(
      (s) => s.text.includes("12345") && sessionStateIn(s) === "session-level SET",
    );
    expect(found).toHaveLength(1);
  });
});
