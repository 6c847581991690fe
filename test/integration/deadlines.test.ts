import { createServer, type AddressInfo, type Socket } from "node:net";
import { DBOS } from "@dbos-inc/dbos-sdk";
import { DEFAULT_APP_VERSION } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, TEST_RELAY_SECRET, type TestWorker } from "../support/worker.js";

// No request outlives its own deadline: a stalled table or a database that never answers is a
// 503 on time, never a hang. Reads are bounded by the request's deadline (`timeout` for waits,
// DB_TIMEOUT_MS for the rest, 1 s here), whether the API reads itself or through the relay.
const DB_TIMEOUT_MS = 1_000;
let url: string;
let worker: TestWorker;
let relayUrl: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  url = await createTestDatabase();
  await DBOS.migrate(url);
  worker = await startWorker(url, { RELAY_PORT: "0" });
  relayUrl = `http://127.0.0.1:${String((await worker.ready).relayPort)}`;
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await worker?.stop();
});

function api(databaseUrl: string, relay?: string) {
  const backend = createDbosBackend({
    databaseUrl,
    appVersion: DEFAULT_APP_VERSION,
    poolSize: 2,
    relayUrl: relay,
    relaySecret: TEST_RELAY_SECRET,
    dbTimeoutMs: DB_TIMEOUT_MS,
  });
  closers.push(() => backend.close());
  return createApp(backend, { log: () => {} });
}

/** Holds an ACCESS EXCLUSIVE lock on a DBOS table (every read of it waits) until released. */
async function stall(table: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`LOCK TABLE dbos.${table} IN ACCESS EXCLUSIVE MODE`);
  return async () => {
    await client.query("ROLLBACK");
    await client.end();
  };
}

async function timed(app: ReturnType<typeof api>, path: string, init?: RequestInit) {
  const started = performance.now();
  const response = await app.request(path, init);
  const body = (await response.json()) as { detail?: string };
  return { status: response.status, body, ms: performance.now() - started, response };
}

for (const via of ["own reads", "the relay"] as const) {
  describe(`a stalled table, waits through ${via}`, () => {
    it("a timeout=1 wait answers 503 within its timeout plus a second", async () => {
      const app = api(url, via === "the relay" ? relayUrl : undefined);
      const release = await stall("workflow_events");
      try {
        const answer = await timed(app, "/workflow-events/stalled/status?timeout=1");
        expect(answer.status).toBe(503);
        expect(answer.response.headers.get("retry-after")).toBe("1");
        expect(answer.body.detail).toMatch(/database/i);
        expect(answer.ms).toBeLessThan(2_000);
      } finally {
        await release();
      }
    });
  });
}

describe("a stalled table, everything else", () => {
  it.each([
    ["streams", "GET", "/workflow-stream/stalled"],
    ["workflow_events", "GET", "/workflow-events/stalled/all"],
    ["workflow_status", "GET", "/workflows/stalled"],
    ["workflow_status", "POST", "/start-workflow-events/stalled-start/1"],
  ])("%s locked: %s %s answers 503 by its deadline", async (table, method, path) => {
    const app = api(url);
    const release = await stall(table);
    try {
      const answer = await timed(app, path, { method });
      expect(answer.status).toBe(503);
      expect(answer.ms).toBeLessThan(DB_TIMEOUT_MS + 1_000);
    } finally {
      await release();
    }
  });
});

/** A "database" that accepts connections and never answers: a dead path. */
async function deadDatabase() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `postgresql://postgres:postgres@127.0.0.1:${(server.address() as AddressInfo).port}/dbos`;
}

describe("a database that never answers", () => {
  it.each([
    ["GET", "/workflow-events/x/status?timeout=1"],
    ["GET", "/workflow-events/x/all"],
    ["GET", "/workflow-stream/x"],
    ["POST", "/start-workflow-events/x/1"],
    ["GET", "/workflows"],
  ])("%s %s answers 503 by its deadline", async (method, path) => {
    const answer = await timed(api(await deadDatabase()), path, { method });
    expect(answer.status).toBe(503);
    expect(answer.ms).toBeLessThan(DB_TIMEOUT_MS + 1_000);
  });
});
