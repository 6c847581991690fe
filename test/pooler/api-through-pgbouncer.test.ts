import { DBOS } from "@dbos-inc/dbos-sdk";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { describeWithPgbouncer, startPgbouncer, type Pgbouncer } from "../support/pgbouncer.js";
import { startWorker, type TestWorker } from "../support/worker.js";
import { API_PATHS, type PathContext } from "./api-paths.js";

// As deployed: the API reaches PostgreSQL only through a transaction pooler (RDS Proxy; here
// pgbouncer in transaction mode), the worker (and its change relay, which holds the one LISTEN)
// connects directly; the API's waits go to the relay.
const POOL_SIZE = 2;
// Lambda environments: each its own API (pool of 4 + a LISTEN connection) on the same pooler.
const ENVIRONMENTS = 4;
const run = Date.now();
// Roles are cluster-wide and the test server is shared: a name of this run's own.
const PROBE_ROLE = `pooler_probe_${run}`;

describeWithPgbouncer("the API through pgbouncer in transaction mode", () => {
  let directUrl: string;
  let database: string;
  let pgbouncer: Pgbouncer;
  let ctx: PathContext;
  let worker: TestWorker;
  let relayUrl: string;
  let peakServers = 0;
  let sampling: Promise<void> | undefined;
  let sampled = true;

  beforeAll(async () => {
    directUrl = await createTestDatabase("pooler");
    database = new URL(directUrl).pathname.slice(1);
    await DBOS.migrate(directUrl);
    const { username, password } = new URL(directUrl);
    pgbouncer = await startPgbouncer({
      serverUrl: directUrl,
      users: [
        { name: decodeURIComponent(username), password: decodeURIComponent(password) },
        { name: PROBE_ROLE, password: "probe-secret" },
      ],
      poolSize: POOL_SIZE,
    });
    worker = await startWorker(directUrl, { RECV_TIMEOUT_SECONDS: "30", RELAY_PORT: "0" });
    relayUrl = `http://127.0.0.1:${String((await worker.ready).relayPort)}`;
    ctx = {
      // A minute of fallback polling: whatever answers sooner was woken by a notification.
      api: createTestApi(pgbouncer.url(database), undefined, { relayUrl, fallbackPollMs: 60_000 }),
      inspector: await createInspector(directUrl),
      db: new pg.Pool({ connectionString: directUrl, max: 1 }),
      id: (name) => `pooler-${name}-${run}`,
    };
    // Server connections are sampled throughout: the pool size must hold at every moment. One
    // loop, awaited in afterAll, so no sample is in flight when pgbouncer stops.
    peakServers = await pgbouncer.serverConnections(database);
    sampling = (async () => {
      while (sampled) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (sampled)
          peakServers = Math.max(peakServers, await pgbouncer.serverConnections(database));
      }
    })();
  });
  afterAll(async () => {
    sampled = false;
    await sampling;
    await ctx?.api.close();
    await worker?.stop();
    await ctx?.inspector.close();
    await ctx?.db.end();
    await pgbouncer?.stop();
  });

  for (const [title, path] of API_PATHS) it(title, () => path(ctx));

  it("serves many environments' blocked GETs, holding no connection while they wait", async () => {
    const apis = Array.from({ length: ENVIRONMENTS }, () =>
      createTestApi(pgbouncer.url(database), undefined, { relayUrl }),
    );
    try {
      const id = ctx.id("many");
      const waiting = apis.flatMap((api) =>
        ["status", "progress", "result"].map((key) =>
          api.get(`/workflow-events/${id}/${key}?timeout=25`),
        ),
      );
      // Every GET has reached its wait; what do the waiting environments hold now?
      await new Promise((resolve) => setTimeout(resolve, 300));
      const clients = await pgbouncer.clientConnections(database);
      const servers = await pgbouncer.serverConnections(database);
      await ctx.api.post(`/start-workflow-events/${id}/1`);
      const answers = await Promise.all(waiting);
      expect(answers.map((a) => a.status)).toEqual(Array(waiting.length).fill(200));
      console.log(
        `[pooler] ${waiting.length} blocked GETs from ${ENVIRONMENTS + 1} APIs: ` +
          `${clients} client connections on ${servers} server connections (pool size ${POOL_SIZE})`,
      );
      // The waits sit in the relay: waiting environments hold no connection, even to the pooler
      // (the main API's idle pool may still hold one from earlier tests).
      expect(clients).toBeLessThanOrEqual(POOL_SIZE);
      expect(servers).toBeLessThanOrEqual(POOL_SIZE);
    } finally {
      await Promise.all(apis.map((api) => api.close()));
    }
  });

  it("wakes a blocked GET as soon as the worker sets the event", async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = ctx.id(`wake-${i}`);
      const waiting = ctx.api.get(`/workflow-events/${id}/status?timeout=10`);
      // The workflow does not exist yet: only a notification can wake the waiter in time.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      await ctx.api.post(`/start-workflow-events/${id}/1`);
      const answer = await waiting;
      latencies.push(performance.now() - started);
      expect(answer.status).toBe(200);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `[pooler] POST start -> blocked GET answers, through pgbouncer: ` +
        `${latencies.map((l) => l.toFixed(0)).join(", ")} ms`,
    );
    // Polling would answer after a minute; a relayed notification within milliseconds.
    expect(latencies[2]).toBeLessThan(500);
  });

  it("never held more server connections than its pool size", () => {
    expect(peakServers).toBeGreaterThan(0);
    expect(peakServers).toBeLessThanOrEqual(POOL_SIZE);
  });

  it("logs a role a test created into the server with that role's own password", async () => {
    const admin = new pg.Client({ connectionString: directUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${PROBE_ROLE} LOGIN PASSWORD 'probe-secret'`);
      const probe = new pg.Client({ connectionString: pgbouncer.url(database, PROBE_ROLE) });
      await probe.connect();
      const { rows } = await probe.query<{ user: string }>('SELECT current_user AS "user"');
      await probe.end();
      expect(rows[0]!.user).toBe(PROBE_ROLE);
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${PROBE_ROLE}`).catch(() => {});
      await admin.end();
    }
  });
});
