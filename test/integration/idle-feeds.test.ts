import { DBOS } from "@dbos-inc/dbos-sdk";
import { readServerSentEvents, type ServerSentEvent } from "@wfc/client";
import { DEFAULT_APP_VERSION } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Live feeds that have nothing to say. With the worker's triggers announcing every change, a
// workflow's end included, a quiet feed sends keep-alives without reading; it reads when told
// to, and once a minute as a safety net. The fallback poll is short here (100 ms), so a feed
// that still re-read on each quiet interval would show it at once.
const POLL_MS = 100;
let app: ReturnType<typeof createApp>;
let backend: ReturnType<typeof createDbosBackend>;
let worker: TestWorker;
let pool: pg.Pool;
let queries = 0;

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  worker = await startWorker(url);
  pool = new pg.Pool({ connectionString: url, max: 4 });
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: typeof query }).query = (...args) => {
    queries++;
    return query(...args);
  };
  backend = createDbosBackend({
    databaseUrl: url,
    appVersion: DEFAULT_APP_VERSION,
    poolSize: 4,
    pool,
    fallbackPollMs: POLL_MS,
  });
  app = createApp(backend, { log: () => {}, keepAliveMs: 200 });
});
afterAll(async () => {
  await worker?.stop();
  await backend?.close();
});

/** Reads a feed's events as they come; `next(pred)` resolves with the first match from now on. */
function follow(response: Response) {
  const seen: ServerSentEvent[] = [];
  const waiters = new Set<() => void>();
  const done = (async () => {
    for await (const event of readServerSentEvents(response.body!)) {
      seen.push(event);
      for (const waiter of waiters) waiter();
    }
  })();
  const next = (pred: (e: ServerSentEvent) => boolean) =>
    new Promise<ServerSentEvent>((resolve) => {
      const check = () => {
        const found = seen.find(pred);
        if (found) {
          waiters.delete(check);
          resolve(found);
        }
      };
      waiters.add(check);
      check();
    });
  return { seen, next, done };
}

it("reads nothing while a waiting workflow's feeds are quiet, and ends them as soon as it ends", async () => {
  const id = `idle-${Date.now()}`;
  // Two pages checked, then the review waits for a reviewer: a long quiet stretch.
  expect(
    (await app.request(`/start-workflow-document-review/${id}/2`, { method: "POST" })).status,
  ).toBe(200);
  const stream = follow(await app.request(`/workflow-stream/${id}/live?key=audit_log`));
  const events = follow(
    await app.request(`/workflow-events/${id}/all/live`, {
      headers: { accept: "text/event-stream" },
    }),
  );
  await stream.next((e) => e.event === "value" && e.id === "1");
  await events.next((e) => e.event !== undefined && e.data.includes("waiting_for_reviewer"));
  // DBOS's own notifier repeats the last writes' announcements a second later (batched): let
  // that pass, then nothing at all happens.
  await new Promise((resolve) => setTimeout(resolve, 1_500));

  const before = queries;
  const quietFrom = performance.now();
  // Keep-alives keep flowing meanwhile (every 200 ms of silence here).
  const keepAlivesBefore = stream.seen.length;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const reads = queries - before;
  // Re-reading status and values every 100 ms would be ~80 statements for the two feeds.
  expect(reads).toBe(0);
  expect(performance.now() - quietFrom).toBeGreaterThanOrEqual(2_000);
  expect(stream.seen.length).toBeGreaterThanOrEqual(keepAlivesBefore);

  // Cancelled: a status change and nothing written. Only the end's announcement tells the feeds.
  const cancelledAt = performance.now();
  expect((await app.request(`/workflows/${id}/cancel`, { method: "POST" })).status).toBe(200);
  await Promise.all([stream.done, events.done]);
  expect(performance.now() - cancelledAt).toBeLessThan(1_500);
  expect(stream.seen.at(-1)).toMatchObject({ event: "end" });
  expect(events.seen.at(-1)).toMatchObject({ event: "end" });
});
