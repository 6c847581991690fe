import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, DEFAULT_TOPIC, isSendStatement } from "@wfc/core";
import { Collector } from "./measures.js";
import { serveProfiledApi, stampedListener } from "./profiled-api.js";
import { enqueueOptions } from "./sides.js";
import { hopCell, hopTable, StampedPool, type Hop, type Marks, type Stamp } from "./hops.js";
import { delay } from "./stats.js";
import { BENCH, now } from "./workflows.js";

/** The channel DBOS's trigger on `dbos.notifications` NOTIFYs, payload `<workflowId>::<topic>`. */
const NOTIFICATIONS_CHANNEL = "dbos_notifications_channel";

/** A sample's marks from its statements: the first send and the first read, start and end. */
function markStatements(marks: Marks, stamps: Stamp[]) {
  for (const { what, start, end } of stamps) {
    marks[`${what}:start`] ??= start;
    if (end !== undefined) marks[`${what}:end`] ??= end;
  }
}

const stampedPool = (databaseUrl: string, max: number) => {
  const pool = new StampedPool({ connectionString: databaseUrl, max });
  pool.classify = (text) => (isSendStatement(text) ? "send" : "read");
  return pool;
};

const WARM_UP = 5;

/** Hops, each from one mark to the next; absent marks (the baseline has no HTTP) are skipped. */
const HOPS: Hop[] = [
  ["client:start", "http:arrive", "HTTP request: client fetch -> server sees it"],
  ["http:arrive", "read:start", "middleware, validation, body parse"],
  ["http:arrive", "send:start", "server: arrival -> the send statement starts"],
  ["read:start", "read:end", "identity/status read (one round trip)"],
  ["read:end", "send:start", "checks, serialize the message"],
  ["client:start", "send:start", "serialize the message (no HTTP)"],
  ["send:start", "send:end", "the send statement: INSERT (+ checks) and its commit"],
  ["send:end", "notify", "commit -> NOTIFY reaches a listener"],
  ["send:end", "client:end", "HTTP answer: handler returns -> client has the response"],
  ["notify", "recv", "worker: notification -> recv returns (consume transaction)"],
  ["client:start", "client:end", "client-side send call (what the caller waits for)"],
  ["client:start", "recv", "total: send called -> recv returns"],
];

export interface ProfileSide {
  name: string;
  /** Sends one message, stamping what it can into `marks`. */
  send(workflowId: string, message: Record<string, unknown>, marks: Marks): Promise<void>;
  /** Statements of the current sample's send. */
  pool: StampedPool;
  close(): Promise<void>;
}

/** The naive side: an in-process `DBOSClient.send`. */
async function naiveSide(databaseUrl: string): Promise<ProfileSide> {
  const pool = stampedPool(databaseUrl, 10);
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    systemDatabasePool: pool,
    applicationName: APP_NAME,
  });
  return {
    name: "naive DBOSClient.send",
    pool,
    async send(workflowId, message) {
      await client.send(workflowId, message, DEFAULT_TOPIC);
    },
    async close() {
      await client.destroy();
      await pool.end();
    },
  };
}

/** This system: the API app served over HTTP in this process, its pool stamped. */
async function apiSide(databaseUrl: string): Promise<ProfileSide> {
  const pool = stampedPool(databaseUrl, 2);
  let marks: Marks | undefined;
  const api = await serveProfiledApi(databaseUrl, pool, () => marks);
  return {
    name: "this system: POST /send-message",
    pool,
    async send(workflowId, message, sampleMarks) {
      marks = sampleMarks;
      const response = await fetch(`${api.base}/send-message/${workflowId}`, {
        method: "POST",
        body: JSON.stringify(message),
        headers: { "content-type": "application/json" },
      });
      await response.text();
      if (!response.ok) throw new Error(`send: ${response.status}`);
    },
    close: () => api.close(),
  };
}

/**
 * Profiles POST /send-message -> the workflow's recv returns, hop by hop, next to the naive
 * in-process send, against a running worker (the benchmark's, with `BENCH.recv` registered).
 * Each sample is stamped at: the client's call, the server's arrival, the start and end of each
 * statement on the sender's pool, the NOTIFY's arrival at a listener of this process, the
 * client's answer and the moment recv returned in the worker (the workflow publishes it).
 * @returns a Markdown table of p50 / p90 per hop and side.
 */
export async function profileMessage(databaseUrl: string, samples: number): Promise<string> {
  const listener = await stampedListener(databaseUrl, NOTIFICATIONS_CHANNEL);
  const { notified } = listener;
  const collector = new Collector(databaseUrl);
  const dbos = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  const sides = [await naiveSide(databaseUrl), await apiSide(databaseUrl)];
  const results = sides.map((side) => ({ side: side.name, marks: [] as Marks[] }));
  try {
    // One waiting workflow per side; samples alternate between the sides, so whatever else
    // the machine does at a moment weighs on both alike.
    const ids = sides.map((_, s) => `profile-${Date.now()}-${s}`);
    for (const id of ids) await dbos.enqueue(enqueueOptions(BENCH.recv, id), samples + WARM_UP);
    await delay(300); // the workflows are waiting in recv
    for (let i = 0; i < samples + WARM_UP; i++) {
      for (const [s, side] of sides.entries()) {
        const id = ids[s]!;
        const marks: Marks = {};
        notified.delete(`${id}::${DEFAULT_TOPIC}`);
        const stamps: Stamp[] = (side.pool.stamps = []);
        marks["client:start"] = now();
        await side.send(id, { i }, marks);
        marks["client:end"] = now();
        side.pool.stamps = undefined;
        markStatements(marks, stamps);
        marks.recv = await collector.event(id, `r${i}`);
        marks.notify = notified.get(`${id}::${DEFAULT_TOPIC}`) ?? Number.NaN;
        // The first few warm up connections and code paths on both sides.
        if (i >= WARM_UP) results[s]!.marks.push(marks);
        await delay(10);
      }
    }
  } finally {
    for (const side of sides) await side.close();
    await dbos.destroy();
    await collector.close();
    await listener.close();
  }
  // A hop that starts at the client but has an HTTP hop in between is not this one.
  const cell = (samples: Marks[], from: string, to: string) =>
    from === "client:start" && to === "send:start" && samples.some((m) => "http:arrive" in m)
      ? "-"
      : hopCell(samples, from, to);
  return hopTable(
    HOPS,
    results.map((r) => ({ name: r.side, samples: r.marks })),
    cell,
  );
}
