import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, CHANNELS, DEFAULT_APP_VERSION } from "@wfc/core";
import pg from "pg";
import { createApp } from "../functions/api/src/app.js";
import { createDbosBackend } from "../functions/api/src/backend.js";
import { serveNode } from "../functions/api/src/serve-node.js";
import { hopTable, StampedPool, type Hop, type Marks, type Stamp } from "./hops.js";
import { Collector } from "./measures.js";
import { enqueueOptions } from "./sides.js";
import { delay } from "./stats.js";
import { BENCH, now } from "./workflows.js";

const WARM_UP = 5;

const HOPS: Hop[] = [
  ["set", "returned", "worker: setEvent returns (DBOS's statements and the commit)"],
  ["set", "notify", "setEvent called -> its NOTIFY reaches a listener"],
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
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  const notified = new Map<string, number>();
  listener.on("notification", (n) => {
    if (n.payload) notified.set(n.payload, now());
  });
  await listener.query(`LISTEN ${CHANNELS.events}`);
  const pool = new StampedPool({ connectionString: databaseUrl, max: 2 });
  const backend = createDbosBackend({
    databaseUrl,
    appVersion: DEFAULT_APP_VERSION,
    poolSize: 2,
    pool,
  });
  const app = createApp(backend, { logLevel: "warn" });
  let marks: Marks = {};
  const stamped = {
    fetch: async (request: Request, env: unknown) => {
      const response = await app.fetch(request, env as never);
      marks.answered = now();
      return response;
    },
  } as typeof app;
  const { server, address } = await serveNode(stamped, 0, "127.0.0.1");
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
      const answer = fetch(
        `http://127.0.0.1:${address.port}/workflow-events/${id}/k${i}?timeout=25`,
      );
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
    server.close();
    await backend.close();
    await dbos.destroy();
    await collector.close();
    await listener.end();
  }
  return hopTable(HOPS, [{ name: "this system: GET /workflow-events", samples: all }]);
}
