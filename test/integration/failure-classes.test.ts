import { createServer, type AddressInfo } from "node:net";
import { DBOS } from "@dbos-inc/dbos-sdk";
import { readServerSentEvents, type ServerSentEvent } from "@wfc/client";
import { APP_NAME, isDatabaseUnavailable, isTransactionConflict } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { DB_RETRY_BOUND_MS } from "../../functions/api/src/bounded-retries.js";
import { createTestApi } from "../support/api.js";
import { dropRole, testPassword, uniqueRoleName } from "../support/api-role.js";
import { createTestDatabase } from "../support/database.js";
import { until } from "../support/fault.js";

// Every failure of the database's availability, produced for real, is a 503 with Retry-After and
// our own words; anything else is a 500 with no internal text. Streamed answers too.
const DB_TIMEOUT_MS = 5_000;
let url: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  url = await createTestDatabase();
  await DBOS.migrate(url);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

function api(databaseUrl: string, settings = {}) {
  const app = createTestApi(
    databaseUrl,
    { log: () => {}, ...settings },
    { poolSize: 2, dbTimeoutMs: DB_TIMEOUT_MS },
  );
  closers.push(() => app.close());
  return app;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>, on = inject("adminDatabaseUrl")) {
  const client = new pg.Client({ connectionString: on });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `url` with another database name, user or port. */
function variant(base: string, change: { database?: string; user?: string; password?: string }) {
  const next = new URL(base);
  if (change.database) next.pathname = `/${change.database}`;
  if (change.user) next.username = encodeURIComponent(change.user);
  if (change.password) next.password = encodeURIComponent(change.password);
  return next.toString();
}

/** A port nothing listens on (it was free a moment ago). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// The database's own words, as a client must never see them.
const INTERNAL = /out of range for type|sqlstate|postgres|relation|column|terminating/i;

/** The same request over the SQL readers and over the DBOS client: both are 503 with Retry-After. */
const ROUTES = [
  ["GET", "/workflow-events/x/all", "sql"],
  ["GET", "/workflow-stream/x", "sql"],
  ["GET", "/versions", "sql"],
  ["GET", "/workflows", "dbos"],
  ["POST", "/start-workflow-events/failure-class/1", "dbos"],
] as const;

/**
 * Every route answers 503 within `maxMs`; through the DBOS client within `dbosMaxMs`, when its
 * bounded retries ride out what may be a blip (see `DB_RETRY_BOUND_MS`).
 */
async function expectUnavailable(app: ReturnType<typeof api>, maxMs: number, dbosMaxMs = maxMs) {
  for (const [method, path, via] of ROUTES) {
    const started = performance.now();
    const answer = method === "GET" ? await app.get(path) : await app.post(path);
    const ms = performance.now() - started;
    expect({ path, status: answer.status }).toEqual({ path, status: 503 });
    expect(answer.headers.get("retry-after")).toBe("1");
    expect(answer.body.detail).toBe("The database is unavailable, retry shortly");
    expect(ms, `${method} ${path}`).toBeLessThan(via === "dbos" ? dbosMaxMs : maxMs);
  }
}

describe("a database that cannot serve, each way for real", () => {
  it("a database that does not exist (3D000) is 503, not 500", async () => {
    await expectUnavailable(api(variant(url, { database: "wfc_no_such_database" })), 1_000);
  });

  it("a database that accepts no connections (datallowconn false, 55000) is 503", async () => {
    const name = new URL(await createTestDatabase("wfc_closed")).pathname.slice(1);
    await admin((c) => c.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`));
    closers.push(() => admin((c) => c.query(`DROP DATABASE "${name}"`)).then(() => {}));
    await expectUnavailable(api(variant(url, { database: name })), 1_000);
  });

  it("a role at its connection limit (53300) is a fast 503, without the client's retries", async () => {
    const role = uniqueRoleName("wfc_limit");
    const password = testPassword();
    await admin(async (c) => {
      await c.query(
        `CREATE ROLE ${c.escapeIdentifier(role)} LOGIN CONNECTION LIMIT 0 PASSWORD ${c.escapeLiteral(password)}`,
      );
    });
    closers.push(() => dropRole(role, [url]));
    // Its reason, seen directly: the server refuses the role before any privilege matters.
    const client = new pg.Client({ connectionString: variant(url, { user: role, password }) });
    const refused = await client.connect().then(
      () => client.end().then(() => undefined),
      (error: { code?: string }) => error.code,
    );
    expect(refused).toBe("53300");
    await expectUnavailable(api(variant(url, { user: role, password })), 1_000);
  });

  it("a port where no database listens (ECONNREFUSED) is 503", async () => {
    const dead = new URL(url);
    dead.port = String(await deadPort());
    // Refused connections are what a restart looks like: the DBOS client rides them out a while.
    await expectUnavailable(api(dead.toString()), 1_000, DB_RETRY_BOUND_MS + 1_000);
  });

  it("a connection terminated mid-query (57P01) is 503", async () => {
    const app = api(url);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("LOCK TABLE dbos.workflow_events IN ACCESS EXCLUSIVE MODE");
    try {
      const answer = app.get("/workflow-events/x/all");
      // The API's read is waiting for the lock: end its backend as an operator would.
      // (Asked on connections of their own: a transaction sees one snapshot of the activity.)
      const pid = await until("the API's read to wait for the lock", async () => {
        const { rows } = await admin((c) =>
          c.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
            [`${APP_NAME}-api`],
          ),
        );
        return rows[0]?.pid;
      });
      await admin((c) => c.query("SELECT pg_terminate_backend($1)", [pid]));
      const { status, body, headers } = await answer;
      expect(status).toBe(503);
      expect(headers.get("retry-after")).toBe("1");
      expect(body.detail).toBe("The database is unavailable, retry shortly");
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
  });
});

describe("which SQLSTATEs count as unavailable", () => {
  // Raised by PostgreSQL itself, so each is the error object pg really gives.
  const raised = async (sqlstate: string) =>
    admin(
      (c) =>
        c.query(`DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '${sqlstate}'; END $$`).then(
          () => undefined,
          (error: unknown) => error,
        ),
      url,
    );

  it.each([
    ["08006", true],
    ["53300", true],
    ["55000", true],
    ["55P03", true],
    ["57P01", true],
    ["57014", true],
    ["58030", true],
    ["3D000", true],
    ["40001", true],
    ["40P01", true],
    ["XX000", false],
    ["22003", false],
    ["23505", false],
    ["42601", false],
    ["28P01", false],
  ])("%s: unavailable %s", async (sqlstate, unavailable) => {
    const error = await raised(sqlstate);
    expect((error as { code?: string }).code).toBe(sqlstate);
    expect(isDatabaseUnavailable(error)).toBe(unavailable);
    expect(isDatabaseUnavailable(new Error("wrapped", { cause: error }))).toBe(unavailable);
  });

  it("serialization failures and deadlocks are told apart as conflicts", async () => {
    expect(isTransactionConflict(await raised("40001"))).toBe(true);
    expect(isTransactionConflict(await raised("40P01"))).toBe(true);
    expect(isTransactionConflict(await raised("57P01"))).toBe(false);
  });
});

describe("no internal text reaches a client", () => {
  it("an offset past PostgreSQL's integer range is answered without the database's words", async () => {
    const app = api(url);
    const path = "/workflow-stream/x?offset=2147483648";
    const json = await app.get(path);
    expect(json.status).not.toBe(200);
    expect(JSON.stringify(json.body)).not.toMatch(INTERNAL);
    const streamed = await app.app.request(path, { headers: { accept: "text/event-stream" } });
    expect(await streamed.text()).not.toMatch(INTERNAL);
  });

  it("a live feed whose read fails ends with one generic error event", async () => {
    const own = await createTestDatabase("wfc_broken");
    await DBOS.migrate(own);
    const app = api(own, { keepAliveMs: 50 });
    // No worker here: the workflow stays enqueued and its stream quiet.
    await app.post("/start-workflow-streaming/broken/1");
    const response = await app.app.request("/workflow-stream/broken/live");
    expect(response.status).toBe(200);
    const events: ServerSentEvent[] = [];
    let text = "";
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    // The feed is in its loop once a keep-alive has come: then break its next read for good.
    while (!text.includes(": keep-alive")) text += decoder.decode((await reader.read()).value);
    await admin((c) => c.query("ALTER TABLE dbos.streams RENAME COLUMN value TO renamed"), own);
    reader.releaseLock();
    for await (const event of readServerSentEvents(response.body!)) events.push(event);
    expect(events).toEqual([{ event: "error", data: '{"detail":"Live stream interrupted"}' }]);
  });
});
