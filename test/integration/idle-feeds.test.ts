import { DBOS } from "@dbos-inc/dbos-sdk";
import { readServerSentEvents, type ServerSentEvent } from "@wfc/client";
import { DEFAULT_APP_VERSION } from "@wfc/core";
import { LiveFeedLimits } from "@wfc/realtime";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, TEST_RELAY_SECRET, type TestWorker } from "../support/worker.js";

// Live feeds that have nothing to say. With the worker's triggers announcing every change, a
// workflow's end included, a quiet feed sends keep-alives without reading; it reads when told
// to, and once a minute as a safety net. The fallback poll is short here (100 ms), so a feed
// that still re-read on each quiet interval would show it at once.
const POLL_MS = 100;
let app: ReturnType<typeof createApp>;
let backend: ReturnType<typeof createDbosBackend>;
let worker: TestWorker;
let pool: pg.Pool;
let url: string;
let relayUrl: string;
let queries = 0;
/** The relay's own limit of feeds per workflow, set on the worker. */
const RELAY_FEEDS_PER_WORKFLOW = 2;

beforeAll(async () => {
  url = await createTestDatabase();
  await DBOS.migrate(url);
  worker = await startWorker(url, {
    RELAY_PORT: "0",
    LIVE_FEEDS_PER_WORKFLOW: String(RELAY_FEEDS_PER_WORKFLOW),
  });
  relayUrl = `http://127.0.0.1:${String((await worker.ready).relayPort)}`;
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
  // Keep-alives keep flowing meanwhile (every 200 ms of silence here).
  const keepAlivesBefore = stream.seen.length;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const reads = queries - before;
  // Re-reading status and values every 100 ms would be ~80 statements for the two feeds.
  expect(reads).toBe(0);
  expect(stream.seen.length).toBeGreaterThanOrEqual(keepAlivesBefore);

  // Cancelled: a status change and nothing written. Only the end's announcement tells the feeds.
  const cancelledAt = performance.now();
  expect((await app.request(`/workflows/${id}/cancel`, { method: "POST" })).status).toBe(200);
  await Promise.all([stream.done, events.done]);
  expect(performance.now() - cancelledAt).toBeLessThan(1_500);
  expect(stream.seen.at(-1)).toMatchObject({ event: "end" });
  expect(events.seen.at(-1)).toMatchObject({ event: "end" });
});

describe("how many live feeds are followed at once", () => {
  /** Starts a review that waits for its reviewer: its feeds stay open and quiet. */
  const waitingReview = async (app: ReturnType<typeof createApp>, id: string) => {
    const started = await app.request(`/start-workflow-document-review/${id}/1`, {
      method: "POST",
    });
    expect(started.status).toBe(200);
  };
  const openFeed = (app: ReturnType<typeof createApp>, id: string, signal: AbortSignal) =>
    app.request(`/workflow-stream/${id}/live?key=audit_log`, { signal });

  it("in one API process: per workflow and in all, a 429 with Retry-After, and a slot freed when a feed ends", async () => {
    const limited = createDbosBackend({
      databaseUrl: url,
      appVersion: DEFAULT_APP_VERSION,
      poolSize: 2,
      feedLimits: new LiveFeedLimits(3, 2),
    });
    const app = createApp(limited, { log: () => {} });
    const [a, b] = [`cap-a-${Date.now()}`, `cap-b-${Date.now()}`];
    await waitingReview(app, a);
    await waitingReview(app, b);
    const feeds: { status: number; leave: () => Promise<void> }[] = [];
    /** Opens a feed and reads it as a browser would; `leave()` is its client going away. */
    const open = async (id: string) => {
      const response = await app.request(`/workflow-stream/${id}/live?key=audit_log`);
      const reader = response.body!.getReader();
      void (async () => {
        for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
      })();
      const feed = { status: response.status, response, leave: () => reader.cancel() };
      feeds.push(feed);
      return feed;
    };
    try {
      expect((await open(a)).status).toBe(200);
      expect((await open(a)).status).toBe(200);
      const third = await app.request(`/workflow-stream/${a}/live?key=audit_log`);
      expect(third.status).toBe(429);
      expect(third.headers.get("retry-after")).toBe("5");
      expect(((await third.json()) as { detail: string }).detail).toMatch(
        new RegExp(`^Too many live feeds of workflow '${a}'`),
      );
      // Another workflow's feed fits, until the process's own limit.
      expect((await open(b)).status).toBe(200);
      const fourth = await app.request(`/workflow-stream/${b}/live?key=audit_log`);
      expect(fourth.status).toBe(429);
      expect(((await fourth.json()) as { detail: string }).detail).toMatch(
        /^Too many live feeds \(/,
      );
      // A client that leaves gives its slot back.
      await feeds[0]!.leave();
      await expect.poll(async () => (await open(a)).status, { timeout: 5_000 }).toBe(200);
    } finally {
      for (const feed of feeds) await feed.leave();
      await limited.close();
    }
  });

  it("through the change relay: per workflow across every API environment, told as an error event", async () => {
    const apps = Array.from({ length: RELAY_FEEDS_PER_WORKFLOW + 1 }, () => {
      const backend = createDbosBackend({
        databaseUrl: url,
        appVersion: DEFAULT_APP_VERSION,
        poolSize: 1,
        relayUrl,
        relaySecret: TEST_RELAY_SECRET,
      });
      return { backend, app: createApp(backend, { log: () => {} }) };
    });
    const id = `relay-cap-${Date.now()}`;
    await waitingReview(apps[0]!.app, id);
    const clients = apps.map(() => new AbortController());
    try {
      const open = [];
      for (const [i, { app }] of apps.slice(0, RELAY_FEEDS_PER_WORKFLOW).entries()) {
        const feed = follow(await openFeed(app, id, clients[i]!.signal));
        await feed.next((e) => e.event === "value");
        open.push(feed);
      }
      // One environment more: the relay refuses it, and the client is told so, not served by a
      // feed that would read the database by itself.
      const refused = follow(await openFeed(apps.at(-1)!.app, id, clients.at(-1)!.signal));
      await refused.done;
      expect(refused.seen.at(-1)).toMatchObject({ event: "error" });
      expect(JSON.parse(refused.seen.at(-1)!.data)).toEqual({
        detail: expect.stringMatching(new RegExp(`^Too many live feeds of workflow '${id}'`)),
      });
      expect(refused.seen.some((e) => e.event === "value")).toBe(false);
    } finally {
      for (const client of clients) client.abort();
      for (const { backend } of apps) await backend.close();
    }
  });
});
