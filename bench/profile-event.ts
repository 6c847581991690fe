import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, CHANNELS } from "@wfc/core";
import { hopTable, StampedPool, type Hop, type Marks, type Stamp } from "./hops.js";
import { Collector } from "./measures.js";
import { serveProfiledApi, stampedListener } from "./profiled-api.js";
import { enqueueOptions } from "./sides.js";
import { delay } from "./stats.js";
import { BENCH, now } from "./workflows.js";

const WARM_UP = 5;

const HOPS: Hop[] = [
  ["set", "returned", "worker: setEvent returns (DBOS's statements and the commit)"],
  ["set", "notify", "setEvent called -> its NOTIFY reaches a listener"],
  // A value carried by its notification is answered without a re-read (those rows then drop out).
  ["notify", "answered", "NOTIFY -> the handler's answer (the wake, the value decoded, JSON)"],
  ["notify", "read:start", "NOTIFY -> the API's re-read starts (its LISTEN, the wake)"],
  ["read:start", "read:end", "the re-read (one round trip)"],
  ["read:end", "answered", "re-read -> the handler's answer (decode, JSON, headers)"],
  ["answered", "client:end", "HTTP answer: the response reaches the client"],
  ["set", "client:end", "total: setEvent called -> the blocked GET answers"],
];

/** Resolves once `stamps` holds a finished statement: the waiter's first read is done. */
async function firstReadDone(stamps: Stamp[]) {
  while (!stamps.some((s) => s.end !== undefined)) await delay(1);
}

/**
 * Profiles setEvent -> a blocked `GET /workflow-events/{id}/{key}` answers, hop by hop, with the
 * API served over HTTP in this process (its pool stamped) against a running worker. One waiter
 * at a time: the GET blocks, then a message makes the workflow set its key. Stamped: the moment
 * the workflow called setEvent (the value) and when it returned (published at the end), the
 * NOTIFY's arrival at a listener of this process, the API's re-read, the handler's answer and
 * the client's. The naive SDK is not profiled: its getEvent polls (the benchmark's row).
 * @returns a Markdown table of p50 / p90 per hop.
 */
export async function profileEvent(databaseUrl: string, samples: number): Promise<string> {
  const listener = await stampedListener(databaseUrl, CHANNELS.events);
  const { notified } = listener;
  const pool = new StampedPool({ connectionString: databaseUrl, max: 2 });
  let marks: Marks = {};
  const api = await serveProfiledApi(databaseUrl, pool, () => marks);
  const dbos = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  const collector = new Collector(databaseUrl);
  const all: Marks[] = [];
  const id = `profile-event-${Date.now()}`;
  try {
    await dbos.enqueue(enqueueOptions(BENCH.eventProfile, id), samples + WARM_UP);
    for (let i = 0; i < samples + WARM_UP; i++) {
      marks = {};
      const stamps: Stamp[] = (pool.stamps = []);
      const answer = fetch(`${api.base}/workflow-events/${id}/k${i}?timeout=25`);
      await firstReadDone(stamps);
      await delay(5); // the waiter is parked on its wake-up
      await dbos.send(id, i, "go");
      const response = await answer;
      const { value } = (await response.json()) as { value: number };
      marks["client:end"] = now();
      pool.stamps = undefined;
      marks.set = value;
      marks.notify = notified.get(`${id}::k${i}`) ?? Number.NaN;
      const reread = stamps.filter((s) => s.end !== undefined).at(-1);
      if (stamps.length > 1 && reread) {
        marks["read:start"] = reread.start;
        marks["read:end"] = reread.end!;
      }
      if (i >= WARM_UP) all.push(marks);
      await delay(10);
    }
    const returned = (await collector.event(id, "returned")) as unknown as number[];
    all.forEach((m, i) => (m.returned = returned[i + WARM_UP]!));
  } finally {
    await api.close();
    await dbos.destroy();
    await collector.close();
    await listener.close();
  }
  return hopTable(HOPS, [{ name: "this system: GET /workflow-events", samples: all }]);
}
