import { createHmac } from "node:crypto";
import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import {
  ANNOUNCEMENT_KEY_TABLE,
  APP_NAME,
  CHANNELS,
  createNotifyTriggers,
  DBOS_SCHEMA,
  DEFAULT_APP_VERSION,
  dropNotifyTriggers,
  kindNamed,
  NOTIFY_TRIGGERS,
  QUEUE_NAME,
  VALUE_CHANNELS,
} from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createTestDatabase, inTransaction } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// DBOS's own notifier is silenced (it would flush only after a minute) and the API's fallback
// poll is a minute too: whatever answers sooner was woken by the NOTIFY the write's own
// transaction sent, i.e. by the triggers.
const SILENT_MS = 60_000;
let databaseUrl: string;
let worker: TestWorker;
let backend: ReturnType<typeof createDbosBackend>;
let app: ReturnType<typeof createApp>;
let db: pg.Pool;
let parked: DBOSClient;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  worker = await startWorker(databaseUrl, { NOTIFICATION_COALESCE_MS: String(SILENT_MS) });
  backend = createDbosBackend({
    databaseUrl,
    appVersion: DEFAULT_APP_VERSION,
    poolSize: 2,
    fallbackPollMs: SILENT_MS,
  });
  app = createApp(backend);
  db = new pg.Pool({ connectionString: databaseUrl, max: 3 });
  parked = await DBOSClient.create({ systemDatabaseUrl: databaseUrl, applicationName: APP_NAME });
});
afterAll(async () => {
  await worker?.stop();
  await backend?.close();
  await parked?.destroy();
  await db?.end();
});

/** A workflow row no worker runs (its version is nobody's): something to attach values to. */
async function parkedWorkflow(id: string, kind: "events" | "streaming" = "events") {
  await parked.enqueue(
    {
      queueName: QUEUE_NAME,
      workflowName: kindNamed(kind).workflowName,
      workflowID: id,
      appVersion: "parked",
    },
    1,
  );
}

/** A LISTEN connection on `channel` that records each payload as it arrives. */
async function listen(channel: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const payloads: string[] = [];
  const waiters: Array<() => void> = [];
  client.on("notification", (message) => {
    payloads.push(message.payload ?? "");
    for (const wake of waiters.splice(0)) wake();
  });
  await client.query(`LISTEN ${channel}`);
  return {
    payloads,
    /** Resolves once a payload equal to `payload` has arrived. */
    async next(payload: string) {
      while (!payloads.includes(payload)) await new Promise<void>((r) => waiters.push(r));
    },
    close: () => client.end(),
  };
}

/**
 * A connection of its own that records each notification it gets as `entry(notification)`;
 * `until(done)` resolves once `done()` holds. The caller LISTENs and ends it.
 */
async function listener(workflowId: string, entry: (notification: pg.Notification) => string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const received: string[] = [];
  let arrived: () => void = () => {};
  client.on("notification", (m) => {
    // Only this test's workflow: an earlier test's may still be writing on the same channels.
    if (!(m.payload ?? "").includes(workflowId)) return;
    received.push(entry(m));
    arrived();
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((r) => (arrived = r));
  };
  return { client, received, until };
}

describe("a workflow's event writes", () => {
  it("wake a blocked event GET while DBOS's own notifier is silent", async () => {
    const id = `trigger-wake-${Date.now()}`;
    const waiting = app.request(`/workflow-events/${id}/status?timeout=20`);
    const started = performance.now();
    const start = await app.request(`/start-workflow-events/${id}/1`, { method: "POST" });
    expect(start.status).toBe(200);
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("the notify triggers", () => {
  it("announce a value in the transaction that writes it: nothing before its commit, the value readable once announced", async () => {
    const id = `trigger-tx-${Date.now()}`;
    await parkedWorkflow(id);
    const listener = await listen(CHANNELS.events);
    const writer = await db.connect();
    try {
      await writer.query("BEGIN");
      await writer.query(
        `INSERT INTO ${DBOS_SCHEMA}.workflow_events (workflow_uuid, key, value) VALUES ($1, 'k', '1')`,
        [id],
      );
      // Notifications arrive in commit order: once this later-committed one is in, an early
      // announcement of the uncommitted write would have arrived before it.
      await db.query("SELECT pg_notify($1, $2)", [CHANNELS.events, `${id}::sentinel`]);
      await listener.next(`${id}::sentinel`);
      expect(listener.payloads).not.toContain(`${id}::k`);
      await writer.query("COMMIT");
      await listener.next(`${id}::k`);
      const { rows } = await db.query(
        `SELECT value FROM ${DBOS_SCHEMA}.workflow_events WHERE workflow_uuid = $1 AND key = 'k'`,
        [id],
      );
      expect(rows).toEqual([{ value: "1" }]);
    } finally {
      writer.release();
      await listener.close();
    }
  });

  it("announce an event set again (an update) and every stream value", async () => {
    const id = `trigger-update-${Date.now()}`;
    await parkedWorkflow(id);
    const events = await listen(CHANNELS.events);
    const streams = await listen(CHANNELS.streams);
    try {
      const upsert = `INSERT INTO ${DBOS_SCHEMA}.workflow_events (workflow_uuid, key, value)
        VALUES ($1, 'again', $2) ON CONFLICT (workflow_uuid, key) DO UPDATE SET value = $2`;
      await db.query(upsert, [id, "1"]);
      await events.next(`${id}::again`);
      events.payloads.length = 0;
      await db.query(upsert, [id, "2"]);
      await events.next(`${id}::again`);
      for (const offset of [0, 1]) {
        await db.query(
          `INSERT INTO ${DBOS_SCHEMA}.streams (workflow_uuid, key, value, "offset", function_id)
           VALUES ($1, 'out', '1', $2, $2)`,
          [id, offset],
        );
      }
      await streams.next(`${id}::out`);
      expect(streams.payloads.filter((p) => p === `${id}::out`).length).toBeGreaterThanOrEqual(1);
    } finally {
      await events.close();
      await streams.close();
    }
  });

  const writes = {
    events: {
      sql: `INSERT INTO ${DBOS_SCHEMA}.workflow_events (workflow_uuid, key, value, serialization)
            VALUES ($1, $2, $3, 'portable_json')`,
      carried: {},
    },
    streams: {
      sql: `INSERT INTO ${DBOS_SCHEMA}.streams (workflow_uuid, key, value, serialization, "offset", function_id)
            VALUES ($1, $2, $3, 'portable_json', 7, 7)`,
      carried: { o: 7 },
    },
  } as const;
  it.each(Object.keys(writes) as Array<keyof typeof writes>)(
    "announce a value of %s with it, before its key, and a value too big for a notification by its key alone",
    async (channel) => {
      const id = `trigger-value-${channel}-${Date.now()}`;
      await parkedWorkflow(id);
      // One connection on both channels: the order it receives them in is the order sent.
      const { client, received, until } = await listener(
        id,
        (m) => `${m.channel} ${m.payload ?? ""}`,
      );
      const next = (entry: string) => until(() => received.includes(entry));
      try {
        await client.query(`LISTEN ${VALUE_CHANNELS[channel]}`);
        await client.query(`LISTEN ${CHANNELS[channel]}`);
        const { rows } = await db.query<{ x: string }>(
          `WITH written AS (${writes[channel].sql} RETURNING 1) SELECT txid_current()::text AS x`,
          [id, "small", '{"n":1}'],
        );
        await next(`${CHANNELS[channel]} ${id}::small`);
        expect(received).toEqual([
          expect.stringMatching(new RegExp(`^${VALUE_CHANNELS[channel]} `)),
          `${CHANNELS[channel]} ${id}::small`,
        ]);
        expect(JSON.parse(received[0]!.slice(VALUE_CHANNELS[channel].length + 1))).toEqual({
          w: id,
          k: "small",
          v: '{"n":1}',
          s: "portable_json",
          x: rows[0]!.x,
          ...writes[channel].carried,
          m: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
        await db.query(writes[channel].sql, [id, "big", JSON.stringify("x".repeat(8_000))]);
        await next(`${CHANNELS[channel]} ${id}::big`);
        expect(received.slice(2)).toEqual([`${CHANNELS[channel]} ${id}::big`]);
      } finally {
        await client.end();
      }
    },
  );

  it("sign each value announcement with HMAC-SHA256 of its channel and text, as Node computes it", async () => {
    const id = `trigger-mac-${Date.now()}`;
    await parkedWorkflow(id);
    const { client, received, until } = await listener(id, (m) => m.payload ?? "");
    // Multi-byte text and a message longer than SHA-256's 64-byte block.
    const values = ["1", JSON.stringify('é ✓ 😀 \\ " \n'), JSON.stringify("y".repeat(3_000))];
    try {
      await client.query(`LISTEN ${VALUE_CHANNELS.events}`);
      for (const [i, value] of values.entries())
        await db.query(writes.events.sql, [id, `k${i}`, value]);
      await until(() => received.length >= values.length);
      const { rows } = await db.query<{ key: Buffer }>(`SELECT key FROM ${ANNOUNCEMENT_KEY_TABLE}`);
      expect(rows).toHaveLength(1);
      for (const [i, payload] of received.entries()) {
        const { m, ...fields } = JSON.parse(payload) as { m: string; v: string };
        expect(fields.v).toBe(values[i]);
        // The signed text: the payload without its last field.
        const body = payload.replace(/,"m":"[0-9a-f]{64}"\}$/, "}");
        const mac = createHmac("sha256", rows[0]!.key)
          .update(`${VALUE_CHANNELS.events}\n${body}`, "utf8")
          .digest("hex");
        expect(m).toBe(mac);
      }
    } finally {
      await client.end();
    }
  });

  it("answer a waiting GET with the announced value, without reading it back; a big value is read back", async () => {
    const id = `trigger-carried-${Date.now()}`;
    await parkedWorkflow(id);
    let reads = 0;
    let firstRead: () => void = () => {};
    const counted = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const query = counted.query.bind(counted) as (...args: unknown[]) => Promise<unknown>;
    (counted as unknown as { query: typeof query }).query = (...args) => {
      const text = typeof args[0] === "string" ? args[0] : (args[0] as { text: string }).text;
      if (!text.includes("workflow_events")) return query(...args);
      reads++;
      // Once done: a value written after it was not in what it read.
      return query(...args).finally(() => firstRead());
    };
    const waiting = createDbosBackend({
      databaseUrl,
      appVersion: DEFAULT_APP_VERSION,
      poolSize: 2,
      pool: counted,
      fallbackPollMs: SILENT_MS,
    });
    const waitingApp = createApp(waiting);
    /** Sets `key` to `stored` once a GET has read and waits; returns the answer and its reads. */
    const answer = async (key: string, stored: string) => {
      reads = 0;
      const arrived = new Promise<void>((resolve) => (firstRead = resolve));
      const response = waitingApp.request(`/workflow-events/${id}/${key}?timeout=20`);
      await arrived;
      await db.query(
        `INSERT INTO ${DBOS_SCHEMA}.workflow_events (workflow_uuid, key, value, serialization)
         VALUES ($1, $2, $3, 'portable_json')`,
        [id, key, stored],
      );
      const body = (await (await response).json()) as { value: unknown };
      return { value: body.value, reads };
    };
    try {
      expect(await answer("small", '{"n":1}')).toEqual({ value: { n: 1 }, reads: 1 });
      const big = "x".repeat(8_000);
      expect(await answer("big", JSON.stringify(big))).toEqual({ value: big, reads: 2 });
    } finally {
      await waiting.close();
    }
  });

  it("never fail a write whose payload is too long to notify (8000 bytes or more)", async () => {
    const id = `trigger-long-${Date.now()}`;
    await parkedWorkflow(id);
    const key = "k".repeat(9_000);
    await db.query(
      `INSERT INTO ${DBOS_SCHEMA}.workflow_events (workflow_uuid, key, value) VALUES ($1, $2, '1')`,
      [id, key],
    );
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM ${DBOS_SCHEMA}.workflow_events WHERE workflow_uuid = $1`,
      [id],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it("are created once however often a worker starts, and removed when it is configured without them", async () => {
    const url = await createTestDatabase();
    await DBOS.migrate(url);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const installed = async () =>
      (
        await pool.query<{ name: string }>(
          "SELECT tgname AS name FROM pg_trigger WHERE tgname = ANY($1) ORDER BY 1",
          [NOTIFY_TRIGGERS.map((t) => t.name)],
        )
      ).rows.map((r) => r.name);
    try {
      await inTransaction(pool, createNotifyTriggers);
      await inTransaction(pool, createNotifyTriggers);
      expect(await installed()).toEqual(NOTIFY_TRIGGERS.map((t) => t.name).sort());
      await inTransaction(pool, dropNotifyTriggers);
      expect(await installed()).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
