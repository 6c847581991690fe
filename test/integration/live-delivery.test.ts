import { DBOS } from "@dbos-inc/dbos-sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend, type BackendOptions } from "../../functions/api/src/backend.js";
import { createInspector } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { readServerSentEvents as readEvents, type ServerSentEvent } from "@wfc/client";
import { startWorker, type TestWorker } from "../support/worker.js";
import { APP_NAME, DEFAULT_APP_VERSION, kindNamed } from "@wfc/core";
import pg from "pg";

// Real-time delivery through the real app, backend and worker. The backend's fallback poll is
// set to a minute, so anything that answers sooner was woken by the worker's notification.
const FALLBACK_MS = 60_000;
let app: ReturnType<typeof createApp>;
let backend: ReturnType<typeof createDbosBackend>;
// Enqueues under a version no worker runs: a workflow that exists, whose stream stays empty.
let parked: ReturnType<typeof createDbosBackend>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let worker: TestWorker;
let databaseUrl: string;

beforeAll(async () => {
  const url = (databaseUrl = await createTestDatabase());
  await DBOS.migrate(url);
  backend = createDbosBackend({
    databaseUrl: url,
    appVersion: DEFAULT_APP_VERSION,
    poolSize: 2,
    fallbackPollMs: FALLBACK_MS,
  });
  parked = createDbosBackend({ databaseUrl: url, appVersion: "parked-never-run", poolSize: 1 });
  app = createApp(backend);
  inspector = await createInspector(url);
  worker = await startWorker(url);
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  await backend?.close();
  await parked?.close();
});

/** A streaming workflow that exists and stays ENQUEUED (no worker runs its version): quiet. */
const quietStreaming = (id: string) => parked.start(kindNamed("streaming").workflowName, id, [1]);

async function collect(response: Response, until?: (e: ServerSentEvent) => boolean) {
  const events: ServerSentEvent[] = [];
  for await (const event of readEvents(response.body!)) {
    events.push(event);
    if (until?.(event)) break;
  }
  return events;
}

describe("blocked event GET", () => {
  it("answers as soon as the event is set, long before any poll would", async () => {
    const id = `wake-${Date.now()}`;
    const waiting = app.request(`/workflow-events/${id}/status?timeout=20`);
    // The workflow does not exist yet: only a notification can wake the waiter in time.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await app.request(`/start-workflow-events/${id}/1`, { method: "POST" });
    const response = await waiting;
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    // Whichever status is current when it wakes: "started" or already a later one.
    expect(((await response.json()) as { value: string }).value).toMatch(
      /^(started|processing_step_1|completed)$/,
    );
    expect(elapsed).toBeLessThan(1_000);
  });
});

describe("waiting requests", () => {
  it("do not poll the database: each reads once, then only when notified", async () => {
    const url = await createTestDatabase();
    await DBOS.migrate(url);
    let queries = 0;
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: typeof query }).query = (...args) => {
      queries++;
      return query(...args);
    };
    const counted = createDbosBackend({
      databaseUrl: url,
      appVersion: DEFAULT_APP_VERSION,
      poolSize: 2,
      pool,
    });
    const countedApp = createApp(counted);
    const waiters = Array.from({ length: 20 }, (_, i) =>
      countedApp.request(`/workflow-events/never-started/key-${i}?timeout=1.5`),
    );
    const statuses = (await Promise.all(waiters)).map((r) => r.status);
    await counted.close();
    expect(statuses).toEqual(Array(20).fill(404));
    // One read each on arrival, one when the timeout ends the wait; polling every 50 ms would be ~600.
    expect(queries).toBeLessThanOrEqual(40);
  });
});

describe("stream snapshot from an offset", () => {
  it("returns values from the offset, where to continue, and whether the stream is closed", async () => {
    const id = `offset-${Date.now()}`;
    await app.request(`/start-workflow-streaming/${id}/2`, { method: "POST" });
    await inspector.result(id);
    const body = (await (await app.request(`/workflow-stream/${id}?offset=4`)).json()) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({
      workflow_id: id,
      total_messages: 2,
      offset: 4,
      next_offset: 6,
      closed: true,
    });
    expect((body.stream_values as Array<{ type: string }>).map((v) => v.type)).toEqual([
      "result",
      "complete",
    ]);
  });

  it("says the stream is closed to a poller past its end, so it stops", async () => {
    const id = `past-end-${Date.now()}`;
    await app.request(`/start-workflow-streaming/${id}/1`, { method: "POST" });
    await inspector.result(id);
    // 4 values and the close marker at offset 4: offsets 4, 5 and 100 are all past the end.
    for (const offset of [4, 5, 100]) {
      const body = (await (
        await app.request(`/workflow-stream/${id}?offset=${offset}`)
      ).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ stream_values: [], offset, next_offset: offset, closed: true });
    }
  });
});

describe("live stream (server-sent events)", () => {
  it("delivers every value with its offset as id, then ends when the stream closes", async () => {
    const id = `live-${Date.now()}`;
    await app.request(`/start-workflow-streaming/${id}/3`, { method: "POST" });
    const response = await app.request(`/workflow-stream/${id}`, {
      headers: { accept: "text/event-stream" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = await collect(response);
    const values = events.filter((e) => e.event === "value");
    expect(values.map((e) => e.id)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(JSON.parse(values.at(-1)!.data)).toMatchObject({ type: "complete", total_results: 3 });
    expect(events.at(-1)).toEqual({ event: "end", data: '{"reason":"closed"}' });
  });

  it("resumes after Last-Event-ID without gaps or duplicates", async () => {
    const id = `resume-${Date.now()}`;
    await app.request(`/start-workflow-streaming/${id}/5`, { method: "POST" });
    const controller = new AbortController();
    const first = await app.request(`/workflow-stream/${id}/live`, { signal: controller.signal });
    const head = await collect(first, (e) => e.id === "3");
    controller.abort();
    const second = await app.request(`/workflow-stream/${id}/live`, {
      headers: { "last-event-id": "3" },
    });
    const tail = (await collect(second)).filter((e) => e.event === "value");
    const all = [...head.filter((e) => e.event === "value"), ...tail];
    expect(all.map((e) => Number(e.id))).toEqual([...Array(12).keys()]);
    const snapshot = (await (await app.request(`/workflow-stream/${id}`)).json()) as {
      stream_values: unknown[];
    };
    expect(all.map((e) => JSON.parse(e.data))).toEqual(snapshot.stream_values);
  });

  it("sends keep-alive comments while the stream is quiet", async () => {
    const quietApp = createApp(backend, { keepAliveMs: 100 });
    const id = `quiet-${Date.now()}`;
    await quietStreaming(id);
    const controller = new AbortController();
    const response = await quietApp.request(`/workflow-stream/${id}/live`, {
      signal: controller.signal,
    });
    const decoder = new TextDecoder();
    let text = "";
    for await (const chunk of response.body!) {
      text += decoder.decode(chunk);
      if (text.includes(": keep-alive")) break;
    }
    controller.abort();
    expect(text).toContain(": keep-alive\n\n");
  });

  it("answers 404 for a workflow that does not exist", async () => {
    const response = await app.request("/workflow-stream/no-such-flow/live");
    expect(response.status).toBe(404);
  });
});

describe("live events (server-sent events)", () => {
  it("feeds a progress bar: progress rises to 100, then status completed, then the end", async () => {
    const id = `bar-${Date.now()}`;
    await app.request(`/start-workflow-events/${id}/4`, { method: "POST" });
    const response = await app.request(`/workflow-events/${id}/all`, {
      headers: { accept: "text/event-stream" },
    });
    const changes = (await collect(response))
      .filter((e) => e.event === "change")
      .map((e) => JSON.parse(e.data));
    const progress = changes.filter((c) => c.key === "progress").map((c) => c.value as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    const final = Object.fromEntries(changes.map((c) => [c.key, c.value]));
    expect(final).toMatchObject({ status: "completed", result: { total_steps: 4 } });
  });
});

describe("live feeds bounded per invocation", () => {
  // Small enough to span several lifetimes in a test; the real default is 300 s.
  const LIMIT_MS = 400;
  // The feed ends when its time is up, give or take one database read and the event loop.
  const MARGIN_MS = 500;
  const RECONNECT = 'event: reconnect\ndata: {"reason":"time_limit"}\nretry: 250\n\n';
  let bounded: ReturnType<typeof createApp>;
  beforeAll(() => {
    bounded = createApp(backend, { liveFeedMaxMs: LIMIT_MS, log: () => {} });
  });

  /** One connection: its raw text and how long until the response ended. */
  async function readWhole(path: string, headers: Record<string, string> = {}) {
    const started = performance.now();
    const response = await bounded.request(path, {
      headers: { accept: "text/event-stream", ...headers },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    return { text, elapsed: performance.now() - started };
  }

  it.each([
    ["a live stream", (id: string) => `/workflow-stream/${id}/live`],
    ["a live events feed", (id: string) => `/workflow-events/${id}/all`],
  ])("%s where nothing happens ends on time with a reconnect event", async (kind, path) => {
    const id = `bounded-quiet-${Date.now()}-${kind.replaceAll(" ", "-")}`;
    // Its stream and its events stay empty.
    await quietStreaming(id);
    const { text, elapsed } = await readWhole(path(id));
    expect(text).toBe(RECONNECT);
    expect(elapsed).toBeGreaterThanOrEqual(LIMIT_MS - 5);
    expect(elapsed).toBeLessThan(LIMIT_MS + MARGIN_MS);
  });

  it("a stream whose values span several feed lifetimes arrives whole, each value once", async () => {
    const id = `bounded-stream-${Date.now()}`;
    // A review of 3 pages writes a record per page, then waits for its reviewer until the feed
    // has gone quiet across two lifetimes; its decision's record and the close come after. (A
    // wait, not a worker frozen after the first value: on a loaded machine a workflow of fast
    // steps could finish before its first value arrived.)
    const pages = 3;
    await bounded.request(`/start-workflow-document-review/${id}/${pages}`, { method: "POST" });
    const values: ServerSentEvent[] = [];
    const connections: { events: ServerSentEvent[]; elapsed: number }[] = [];
    let decided = false;
    for (;;) {
      const last = values.at(-1)?.id;
      const started = performance.now();
      const response = await bounded.request(`/workflow-stream/${id}/live?key=audit_log`, {
        headers: last === undefined ? {} : { "last-event-id": last },
      });
      const events: ServerSentEvent[] = [];
      for await (const event of readEvents(response.body!)) {
        events.push(event);
        if (event.event === "value") values.push(event);
      }
      connections.push({ events, elapsed: performance.now() - started });
      if (!decided && connections.length >= 3) {
        const answer = await bounded.request(`/send-message/${id}?topic=review`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ decision: "approve", reviewer: "ada" }),
        });
        expect(answer.status).toBe(200);
        decided = true;
      }
      if (events.at(-1)?.event === "end") break;
      expect(events.at(-1)).toEqual({ event: "reconnect", data: '{"reason":"time_limit"}' });
      expect(connections.length).toBeLessThan(30);
    }
    expect(values.map((e) => Number(e.id))).toEqual([...Array(pages + 1).keys()]);
    expect(connections.length).toBeGreaterThanOrEqual(3);
    const withValues = connections.filter((c) => c.events.some((e) => e.event === "value"));
    expect(withValues.length).toBeGreaterThanOrEqual(2);
    for (const { elapsed } of connections) expect(elapsed).toBeLessThan(LIMIT_MS + MARGIN_MS);
    const snapshot = (await (
      await bounded.request(`/workflow-stream/${id}?key=audit_log`)
    ).json()) as {
      stream_values: unknown[];
    };
    expect(values.map((e) => JSON.parse(e.data))).toEqual(snapshot.stream_values);
    expect(connections.at(-1)!.events.at(-1)).toEqual({
      event: "end",
      data: '{"reason":"closed"}',
    });
  });
});

describe("live feeds across a database outage", () => {
  const POOL_NAME = `${APP_NAME}-live-outage`;
  const databaseName = () => new URL(databaseUrl).pathname.slice(1);

  /** A backend on a pool of our own that reports each read the database refused. */
  function observedBackend(options: Partial<BackendOptions> = {}) {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 2,
      application_name: POOL_NAME,
    });
    pool.on("error", () => {});
    let failed!: () => void;
    const readFailed = new Promise<void>((resolve) => (failed = resolve));
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: typeof query }).query = (...args) =>
      query(...args).catch((error: unknown) => {
        failed();
        throw error;
      });
    const observed = createDbosBackend({
      databaseUrl,
      appVersion: DEFAULT_APP_VERSION,
      poolSize: 2,
      fallbackPollMs: 500,
      pool,
      ...options,
    });
    return {
      app: createApp(observed, { log: () => {} }),
      readFailed,
      close: () => observed.close(),
    };
  }

  /** Closes the database to new connections and ends the API's, as an operator or a failover would. */
  async function cutOff() {
    const admin = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${databaseName()}" ALLOW_CONNECTIONS false`);
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ANY($1)",
        [[POOL_NAME, `${APP_NAME}-api-listen`]],
      );
    } finally {
      await admin.end();
    }
    return async () => {
      const again = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
      await again.connect();
      await again.query(`ALTER DATABASE "${databaseName()}" ALLOW_CONNECTIONS true`);
      await again.end();
    };
  }

  it("a live stream rides out its connections being cut: every value once, in order, then the end", async () => {
    const observed = observedBackend();
    const id = `outage-stream-${Date.now()}`;
    // A review of 3 pages writes a record per page, then waits for its reviewer: the outage
    // comes while it waits, and the decision's record and the stream's close come after it. (A
    // wait, not a worker frozen after the first value arrives: on a loaded machine a workflow of
    // fast steps could finish first, and the feed end before any outage.)
    const pages = 3;
    await observed.app.request(`/start-workflow-document-review/${id}/${pages}`, {
      method: "POST",
    });
    const response = await observed.app.request(`/workflow-stream/${id}/live?key=audit_log`);
    const events: ServerSentEvent[] = [];
    let restore: (() => Promise<void>) | undefined;
    let outage: Promise<void> | undefined;
    try {
      // The outage runs beside the reading, as a client keeps reading whatever the server does
      // (an SSE write waits for the reader: a reader that stopped would stop the feed too).
      for await (const event of readEvents(response.body!)) {
        events.push(event);
        if (events.length !== pages) continue;
        outage = (async () => {
          restore = await cutOff();
          await observed.readFailed;
          await restore();
          restore = undefined;
          const decided = await app.request(`/send-message/${id}?topic=review`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ decision: "approve", reviewer: "ada" }),
          });
          expect(decided.status).toBe(200);
        })();
      }
      await outage;
    } finally {
      await restore?.();
      await observed.close();
    }
    const values = events.filter((e) => e.event === "value");
    expect(values.map((e) => Number(e.id))).toEqual([...Array(pages + 1).keys()]);
    const snapshot = (await (await app.request(`/workflow-stream/${id}?key=audit_log`)).json()) as {
      stream_values: unknown[];
    };
    expect(values.map((e) => JSON.parse(e.data))).toEqual(snapshot.stream_values);
    expect(events.at(-1)).toEqual({ event: "end", data: '{"reason":"closed"}' });
  });

  it.each([
    ["a live stream", (id: string) => `/workflow-stream/${id}/live`],
    ["a live events feed", (id: string) => `/workflow-events/${id}/all`],
  ])("%s whose database stays away ends with a clean error event", async (kind, path) => {
    const observed = observedBackend({ liveOutageMs: 300 });
    const id = `outage-away-${Date.now()}-${kind.replaceAll(" ", "-")}`;
    await quietStreaming(id);
    const response = await observed.app.request(path(id), {
      headers: { accept: "text/event-stream" },
    });
    expect(response.status).toBe(200);
    const restore = await cutOff();
    let text: string;
    try {
      text = await response.text();
    } finally {
      await restore();
      await observed.close();
    }
    expect(text).toMatch(
      /event: error\ndata: {"detail":"The database is unavailable, retry shortly"}\nretry: 1000\n\n$/,
    );
    expect(text).not.toMatch(/terminating|accepting connections|sqlstate/i);
    expect(text.match(/event: error/g)).toHaveLength(1);
  });
});
