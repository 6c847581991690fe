import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, readDequeuedAt } from "@wfc/core";
import pg from "pg";
import { QUEUE_WAKE_CHANNEL } from "@wfc/worker/launch";
import { Collector } from "./measures.js";
import { enqueueOptions } from "./sides.js";
import { hopTable, type Hop, type Marks } from "./hops.js";
import { delay } from "./stats.js";
import { BENCH, now } from "./workflows.js";

const WARM_UP = 3;

/** Hops of one dispatch, each from one mark to the next. */
const HOPS: Hop[] = [
  ["enqueue:start", "enqueue:end", "enqueue: the INSERT and its commit"],
  ["enqueue:end", "notify", "commit -> the enqueue trigger's NOTIFY reaches a listener"],
  ["notify", "claimed", "notification -> the claim transaction begins (ms clock)"],
  [
    "claimed",
    "first-line",
    "claim begins -> first line (claim and its commit, status read, start)",
  ],
  ["enqueue:end", "first-line", "total: enqueue returns -> first line"],
];

/**
 * Profiles enqueue -> the workflow's first line against a running worker, one enqueue at a
 * time: the enqueue's own call, the wake-up NOTIFY's arrival at a listener of this process, the
 * claim's start (the row's `started_at_epoch_ms`: `now()`, the start of the claim transaction, in
 * whole ms of the database's clock) and the first line
 * (the workflow publishes when it ran).
 * @returns a Markdown table of p50 / p90 per hop.
 */
export async function profileDispatch(databaseUrl: string, samples: number): Promise<string> {
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  let notified: number | undefined;
  listener.on("notification", () => (notified ??= now()));
  await listener.query(`LISTEN ${QUEUE_WAKE_CHANNEL}`);
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  const collector = new Collector(databaseUrl);
  const all: Marks[] = [];
  try {
    for (let i = 0; i < samples + WARM_UP; i++) {
      const id = `profile-dispatch-${Date.now()}-${i}`;
      const marks: Marks = {};
      notified = undefined;
      marks["enqueue:start"] = now();
      await client.enqueue(enqueueOptions(BENCH.dispatch, id));
      marks["enqueue:end"] = now();
      marks["first-line"] = await collector.event(id, "started");
      marks.notify = notified ?? Number.NaN;
      marks.claimed = await readDequeuedAt(collector.pool, id);
      if (i >= WARM_UP) all.push(marks);
      await delay(50);
    }
  } finally {
    await collector.close();
    await client.destroy();
    await listener.end();
  }
  return hopTable(HOPS, [{ name: "this system", samples: all }]);
}
