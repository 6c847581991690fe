import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import {
  APP_NAME,
  createNotifyTriggers,
  DBOS_SCHEMA,
  kindNamed,
  QUEUE_NAME,
  readStreamTail,
  VALUE_CHANNELS,
} from "@wfc/core";
import {
  ChangeFeed,
  followStream,
  type ChangeSource,
  type StoredValue,
  type StreamBatch,
} from "@wfc/realtime";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, inTransaction } from "../support/database.js";

// Stream values announced with their writes (`VALUE_CHANNELS.streams`), on a real database with
// the worker's triggers: what a live reader does with them, and what a LISTEN connection sees.
let db: pg.Pool;
let url: string;
let parked: DBOSClient;
let sequence = 0;

beforeAll(async () => {
  url = await createTestDatabase();
  await DBOS.migrate(url);
  db = new pg.Pool({ connectionString: url, max: 3 });
  await inTransaction(db, createNotifyTriggers);
  parked = await DBOSClient.create({ systemDatabaseUrl: url, applicationName: APP_NAME });
});
afterAll(async () => {
  await parked?.destroy();
  await db?.end();
});

/** A workflow row no worker runs: a stream to write to by hand. */
async function parkedWorkflow() {
  const id = `stream-values-${Date.now()}-${sequence++}`;
  await parked.enqueue(
    {
      queueName: QUEUE_NAME,
      workflowName: kindNamed("streaming").workflowName,
      workflowID: id,
      appVersion: "parked",
    },
    1,
  );
  return id;
}

const CLOSED = JSON.stringify("__DBOS_STREAM_CLOSED__");
const json = (value: unknown): StoredValue => ({
  value: JSON.stringify(value),
  serialization: "portable_json",
});

/** Writes stream rows `values` from `offset` on, in one statement (as a fork copies a stream). */
async function write(id: string, offset: number, values: string[]) {
  await db.query(
    `INSERT INTO ${DBOS_SCHEMA}.streams (workflow_uuid, key, value, "offset", function_id, serialization)
     SELECT $1, 'out', v, $2 + i - 1, $2 + i - 1, 'portable_json'
       FROM unnest($3::text[]) WITH ORDINALITY AS t(v, i)`,
    [id, offset, values],
  );
}

/** A change source whose announcements the test makes itself, and that counts subscriptions. */
function handMadeSource() {
  let handler: ((key: string | undefined, stored?: StoredValue) => void) | undefined;
  const source: ChangeSource = {
    subscribe: (_channel, _id, h) => ((handler = h), () => (handler = undefined)),
    ready: () => Promise.resolve(),
  };
  return {
    source,
    announce: (key: string | undefined, stored?: StoredValue) => handler!(key, stored),
  };
}

/** Reads of the streams table made through the returned pool. */
function countingPool() {
  const reads: unknown[][] = [];
  const pool = {
    query: (text: string, values: unknown[]) => {
      if (text.includes(".streams")) reads.push(values);
      return db.query(text, values);
    },
  };
  return { pool, reads };
}

describe("a live stream reader", () => {
  it("yields announced values as announced, without reading them back, and reads on a gap", async () => {
    const id = await parkedWorkflow();
    const { source, announce } = handMadeSource();
    const { pool, reads } = countingPool();
    const feed = followStream(pool, source, id, "out", { pollMs: 60_000 });
    const next = async () => (await feed.next()).value as StreamBatch;
    try {
      expect(await next()).toEqual({ values: [] });
      expect(reads).toHaveLength(1);
      // Not in the database: only the announcement can have carried it.
      announce("out", { ...json("announced only"), offset: 0 });
      expect(await next()).toEqual({ values: [{ offset: 0, value: "announced only" }] });
      // Offset 1 was never announced: the reader reads from 1 (the database's 1 and 2) and
      // drops the announcement of 2 that the read has returned.
      await write(id, 1, [JSON.stringify("one"), JSON.stringify("two")]);
      announce("out", { ...json("two"), offset: 2 });
      expect(await next()).toEqual({
        values: [
          { offset: 1, value: "one" },
          { offset: 2, value: "two" },
        ],
      });
      expect(reads.at(-1)).toEqual([id, "out", 1]);
      const readsBefore = reads.length;
      announce("out", { ...json("three"), offset: 3 });
      announce("out", { value: CLOSED, serialization: "portable_json", offset: 4 });
      expect(await next()).toEqual({ values: [{ offset: 3, value: "three" }], end: "closed" });
      expect(reads).toHaveLength(readsBefore);
    } finally {
      await feed.return(undefined);
    }
  });

  it("reads back a change announced without its value", async () => {
    const id = await parkedWorkflow();
    const { source, announce } = handMadeSource();
    const { pool, reads } = countingPool();
    const feed = followStream(pool, source, id, "out", { pollMs: 60_000 });
    try {
      expect((await feed.next()).value).toEqual({ values: [] });
      await write(id, 0, [JSON.stringify("x".repeat(9_000))]);
      announce("out");
      expect((await feed.next()).value).toEqual({
        values: [{ offset: 0, value: "x".repeat(9_000) }],
      });
      expect(reads).toHaveLength(2);
    } finally {
      await feed.return(undefined);
    }
  });
});

/** A change feed that records what it passes on for `id`'s streams; `arrival()`: the next one. */
function recordingFeed(id: string) {
  const feed = new ChangeFeed({ connectionString: url });
  const seen: Array<{ key: string | undefined; stored?: StoredValue }> = [];
  let arrived: () => void = () => {};
  feed.subscribe("streams", id, (key, stored) => {
    seen.push(stored ? { key, stored } : { key });
    arrived();
  });
  return { feed, seen, arrival: () => new Promise<void>((r) => (arrived = r)) };
}

describe("a LISTEN connection's change feed", () => {
  it("passes on each stream value with its offset, once, and a later unannounced one by its key", async () => {
    const id = await parkedWorkflow();
    const { feed, seen, arrival } = recordingFeed(id);
    const until = async (offset: number) => {
      while (!seen.some((s) => s.stored?.offset === offset)) await arrival();
    };
    try {
      await feed.ready();
      // Three rows of one key in one transaction: PostgreSQL sends their key's announcement
      // once, so no value may wait for one of its own (it would swallow the next one's).
      await write(
        id,
        0,
        ["1", "2", "3"].map((v) => JSON.stringify(v)),
      );
      await until(2);
      // The big value's key announcement is all that wakes its reader: it must get through.
      // (Notifications arrive in commit order: once the next write's is in, it would have.)
      await write(id, 3, [JSON.stringify("x".repeat(9_000))]);
      await write(id, 4, [JSON.stringify("after")]);
      await until(4);
      expect(seen).toEqual([
        ...["1", "2", "3"].map((v, offset) => ({ key: "out", stored: { ...json(v), offset } })),
        { key: "out" },
        { key: "out", stored: { ...json("after"), offset: 4 } },
      ]);
    } finally {
      await feed.close();
    }
  });

  it("lets no replayed announcement silence the key of a later write that carries no value", async () => {
    const id = await parkedWorkflow();
    const { feed, seen, arrival } = recordingFeed(id);
    const spy = new pg.Client({ connectionString: url });
    await spy.connect();
    const heard: string[] = [];
    spy.on("notification", (m) => heard.push(m.payload ?? ""));
    const until = async (count: number) => {
      while (seen.length < count) await arrival();
    };
    try {
      await feed.ready();
      await spy.query(`LISTEN ${VALUE_CHANNELS.streams}`);
      await write(id, 0, [JSON.stringify("zero")]);
      await write(id, 1, [JSON.stringify("one")]);
      await until(2);
      // Offset 0's genuine announcement again, then a value too big to carry: only its key wakes.
      await db.query("SELECT pg_notify($1, $2)", [VALUE_CHANNELS.streams, heard[0]]);
      await write(id, 2, [JSON.stringify("x".repeat(9_000))]);
      await until(4);
      expect(seen.slice(2)).toEqual([
        { key: "out", stored: { ...json("zero"), offset: 0 } },
        { key: "out" },
      ]);
    } finally {
      await spy.end();
      await feed.close();
    }
  });
});

describe("a stream's tail", () => {
  it("is its last values, oldest first, without the close marker", async () => {
    const id = await parkedWorkflow();
    expect(await readStreamTail(db, id, "out", 3)).toEqual({
      values: [],
      offset: 0,
      closed: false,
    });
    await write(
      id,
      0,
      ["a", "b", "c", "d", "e"].map((v) => JSON.stringify(v)),
    );
    expect(await readStreamTail(db, id, "out", 2)).toEqual({
      values: ["d", "e"],
      offset: 3,
      closed: false,
    });
    await write(id, 5, [CLOSED]);
    expect(await readStreamTail(db, id, "out", 2)).toEqual({
      values: ["d", "e"],
      offset: 3,
      closed: true,
    });
    expect(await readStreamTail(db, id, "out", 5)).toMatchObject({ offset: 0, closed: true });
    expect(await readStreamTail(db, id, "out", 9)).toMatchObject({ offset: 0, closed: true });
  });

  it("is read backwards along the primary key: no sort, however long the stream", async () => {
    const id = await parkedWorkflow();
    await write(
      id,
      0,
      Array.from({ length: 2_000 }, (_, i) => JSON.stringify(i)),
    );
    let read: { text: string; values: unknown[] } | undefined;
    const recording = {
      query: (text: string, values: unknown[]) => (
        (read = { text, values }),
        db.query(text, values)
      ),
    };
    expect((await readStreamTail(recording, id, "out", 3)).values).toEqual([1_997, 1_998, 1_999]);
    const client = await db.connect();
    try {
      await client.query(`ANALYZE ${DBOS_SCHEMA}.streams`);
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${read!.text}`, read!.values);
      const plan = JSON.stringify(rows[0]["QUERY PLAN"]);
      expect(plan).toMatch(/"Index (Only )?Scan"/);
      expect(plan).toContain('"Scan Direction":"Backward"');
      expect(plan).not.toContain('"Node Type":"Sort"');
    } finally {
      client.release();
    }
  });
});
