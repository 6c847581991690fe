import { mkdtempSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, DEFAULT_APP_VERSION, QUEUE_NAME, type Queryable } from "@wfc/core";
import { ChangeFeed, waitForEvent } from "@wfc/realtime";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@wfc/local-stack/embedded-postgres";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The API's LISTEN connection must come back by itself after the database restarts, and a
// request that was waiting across the restart must still be woken by the next notification.
let cluster: EmbeddedDatabase;
let pool: pg.Pool;
let feed: ChangeFeed;
let worker: TestWorker | undefined;

beforeAll(async () => {
  cluster = await startEmbeddedPostgres(
    join(mkdtempSync(join(tmpdir(), "wfc-restart-")), "pgdata"),
  );
  await DBOS.migrate(cluster.url);
  pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  pool.on("error", () => {});
  feed = new ChangeFeed({ connectionString: cluster.url, reconnectDelayMs: 50 });
});
afterAll(async () => {
  await worker?.stop();
  await feed?.close();
  await pool?.end();
  await cluster?.stop();
});

it("reconnects after a database restart and wakes a waiter that was waiting across it", async () => {
  const id = `across-restart-${Date.now()}`;
  const listening = once(feed, "listening");
  // The real pool, telling us when the waiter's first read is done (it is then waiting).
  let firstReadDone!: () => void;
  const waitingNow = new Promise<void>((resolve) => (firstReadDone = resolve));
  const db: Queryable = {
    query: async (text, values) => {
      const result = await pool.query(text, values);
      firstReadDone();
      return result;
    },
  };
  // A minute of fallback: only a notification can answer within the test's time.
  const waiting = waitForEvent(db, feed, id, "status", {
    timeoutMs: 30_000,
    fallbackPollMs: 60_000,
  });
  expect(await listening).toEqual([1]);
  await waitingNow;

  const relistening = once(feed, "listening");
  await cluster.restart();
  expect(await relistening).toEqual([2]);

  worker = await startWorker(cluster.url);
  const client = await DBOSClient.create({
    systemDatabaseUrl: cluster.url,
    applicationName: APP_NAME,
  });
  const started = performance.now();
  await client.enqueue(
    {
      queueName: QUEUE_NAME,
      workflowName: "workflow_with_events",
      workflowID: id,
      appVersion: DEFAULT_APP_VERSION,
    },
    1,
  );
  const event = await waiting;
  const elapsed = performance.now() - started;
  await client.destroy();

  expect(event.found).toBe(true);
  expect(elapsed).toBeLessThan(5_000);
});

// The worker's enqueue wake-up listens from start-up: a first connect refused (too many
// clients, a database not accepting yet) must not leave it deaf for the process's life.
it("keeps trying after a first connect is refused, and tells its listeners once it is in", async () => {
  const url = await createTestDatabase();
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
  await admin.connect();
  const refusing = new ChangeFeed({ connectionString: url, reconnectDelayMs: 50 });
  try {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    const heard: Array<string | undefined> = [];
    let heardPayload!: () => void;
    const payloadHeard = new Promise<void>((resolve) => (heardPayload = resolve));
    refusing.listen("wfc_test_channel", (payload) => {
      heard.push(payload);
      if (payload !== undefined) heardPayload();
    });
    await expect(refusing.ready()).rejects.toThrow();

    const listening = once(refusing, "listening");
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    expect(await listening).toEqual([1]);
    // Told to re-read: anything sent while it was refused went unheard.
    expect(heard).toEqual([undefined]);

    const sender = new pg.Client({ connectionString: url });
    await sender.connect();
    await sender.query("SELECT pg_notify('wfc_test_channel', 'after')");
    await sender.end();
    await payloadHeard;
    expect(heard).toEqual([undefined, "after"]);
  } finally {
    await refusing.close();
    await admin.end();
  }
});
