import { DBOS } from "@dbos-inc/dbos-sdk";
import { readServerSentEvents, type ServerSentEvent } from "@wfc/client";
import { kindNamed, startPath, type WaitingFor } from "@wfc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// What a workflow waits for, on a real worker: `waiting_for` of GET /workflows/{id}, and the live
// events feed's `waiting_for` event, through this process's own LISTEN and through the worker's
// change relay. The feeds' fallback poll is a minute (and the change feed announces everything,
// so quiet reads wait for its minute-long safety net): a wait seen sooner was announced.
const RECV_TIMEOUT_SECONDS = 30;
const REVIEW_TIMEOUT_SECONDS = 4;
const FALLBACK_MS = 60_000;
const run = Date.now();

let worker: TestWorker;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let local: ReturnType<typeof createTestApi>;
let relayed: ReturnType<typeof createTestApi>;
// Enqueues under a version no worker runs: a workflow that exists and never reaches its receive.
let parked: ReturnType<typeof createDbosBackend>;

beforeAll(async () => {
  const url = await createTestDatabase("waiting_for");
  await DBOS.migrate(url);
  worker = await startWorker(url, {
    RECV_TIMEOUT_SECONDS: String(RECV_TIMEOUT_SECONDS),
    REVIEW_TIMEOUT_SECONDS: String(REVIEW_TIMEOUT_SECONDS),
  });
  const relayUrl = `http://127.0.0.1:${String((await worker.ready).relayPort)}`;
  inspector = await createInspector(url);
  local = createTestApi(url, undefined, { fallbackPollMs: FALLBACK_MS });
  relayed = createTestApi(url, undefined, { fallbackPollMs: FALLBACK_MS, relayUrl });
  parked = createDbosBackend({ databaseUrl: url, appVersion: "parked-never-run", poolSize: 1 });
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  await local?.close();
  await relayed?.close();
  await parked?.close();
});

const waitingFor = async (id: string): Promise<WaitingFor | null> => {
  const answer = await local.get(`/workflows/${id}`);
  expect(answer.status).toBe(200);
  return answer.body.waiting_for as WaitingFor | null;
};

/** Polls GET /workflows/{id} until `until` holds for its `waiting_for`. */
async function pollWaiting(id: string, until: (w: WaitingFor | null) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const waiting = await waitingFor(id);
    if (until(waiting)) return waiting;
    if (Date.now() > deadline) throw new Error(`waiting_for of ${id} stayed ${String(waiting)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const messaging = (id: string) => startPath(kindNamed("messaging"), id, { n_steps: 1 });
const review = (id: string) => startPath(kindNamed("document-review"), id, { pages: 1 });

const span = (w: WaitingFor) => Date.parse(w.deadline) - Date.parse(w.since);

/** A live events feed, collected as it arrives; `next` waits for an event that matches. */
async function openFeed(api: ReturnType<typeof createTestApi>, id: string) {
  const response = await api.app.request(`/workflow-events/${id}/all/live`, {
    headers: { accept: "text/event-stream" },
  });
  expect(response.status).toBe(200);
  const events: ServerSentEvent[] = [];
  let notify = () => {};
  const done = (async () => {
    for await (const event of readServerSentEvents(response.body!)) {
      events.push(event);
      notify();
    }
    notify();
  })();
  async function next(match: (e: ServerSentEvent) => boolean, withinMs: number) {
    const deadline = Date.now() + withinMs;
    for (let seen = 0; ;) {
      for (; seen < events.length; seen++) if (match(events[seen]!)) return events[seen]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such event in ${JSON.stringify(events)}`);
      await new Promise<void>((resolve) => {
        notify = resolve;
        setTimeout(resolve, left);
      });
    }
  }
  return { events, done, next };
}

const isWaitingFor = (e: ServerSentEvent) => e.event === "waiting_for";
const waits = (e: ServerSentEvent) => isWaitingFor(e) && e.data !== "null";

describe("GET /workflows/{id} waiting_for", () => {
  it("is null before the workflow's receive", async () => {
    const id = `wf-before-${run}`;
    await parked.start(kindNamed("messaging").workflowName, id, [1]);
    const answer = await local.get(`/workflows/${id}`);
    expect(answer.body).toMatchObject({ status: "ENQUEUED", waiting_for: null });
  });

  it("is null for a workflow that never receives", async () => {
    const id = `wf-events-${run}`;
    expect((await local.post(startPath(kindNamed("events"), id, { n_steps: 1 }))).status).toBe(200);
    await inspector.result(id);
    expect(await waitingFor(id)).toBe(null);
  });

  it("shows the receive while it waits, and null once the message arrived", async () => {
    const id = `wf-message-${run}`;
    const before = Date.now();
    expect((await local.post(messaging(id))).status).toBe(200);
    const waiting = (await pollWaiting(id, (w) => w !== null))!;
    expect(waiting.topic).toBe("notification");
    expect(span(waiting)).toBe(RECV_TIMEOUT_SECONDS * 1000);
    expect(Date.parse(waiting.since)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(waiting.since)).toBeLessThanOrEqual(Date.now());
    expect(waiting.since).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await local.post(`/send-message/${id}`, { approved: true })).status).toBe(200);
    await pollWaiting(id, (w) => w === null);
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
    expect(await waitingFor(id)).toBe(null);
  });

  it("is null once the wait timed out", async () => {
    const id = `wf-timeout-${run}`;
    expect((await local.post(review(id))).status).toBe(200);
    const waiting = (await pollWaiting(id, (w) => w !== null))!;
    expect(waiting.topic).toBe("review");
    // The review's deadline is fixed before the receive: what is left of its timeout.
    expect(span(waiting)).toBeLessThanOrEqual(REVIEW_TIMEOUT_SECONDS * 1000);
    expect(span(waiting)).toBeGreaterThan((REVIEW_TIMEOUT_SECONDS - 1) * 1000);
    expect(await inspector.result(id)).toMatchObject({ outcome: "timed_out" });
    expect(await waitingFor(id)).toBe(null);
  });

  it("is null for a workflow cancelled while it waits", async () => {
    const id = `wf-cancel-${run}`;
    expect((await local.post(messaging(id))).status).toBe(200);
    await pollWaiting(id, (w) => w !== null);
    const cancelled = await local.post(`/workflows/${id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: "CANCELLED", waiting_for: null });
  });

  it("is not part of a listing", async () => {
    const listed = await local.get(`/workflows?kind=messaging`);
    expect(listed.status).toBe(200);
    for (const workflow of listed.body.workflows)
      expect(workflow).not.toHaveProperty("waiting_for");
  });
});

describe.each([
  ["this process's LISTEN", () => local],
  ["the change relay", () => relayed],
])("the live events feed, through %s", (_path, api) => {
  it("announces the wait when it starts and null when the message arrived", async () => {
    const id = `feed-message-${api() === local ? "local" : "relay"}-${run}`;
    expect((await api().post(messaging(id))).status).toBe(200);
    // Subscribed before or after the receive began: either way the wait is announced.
    const feed = await openFeed(api(), id);
    const started = JSON.parse((await feed.next(waits, 10_000)).data) as WaitingFor;
    expect(started).toEqual(await waitingFor(id));
    expect((await api().post(`/send-message/${id}`, { approved: true })).status).toBe(200);
    await feed.done;
    const announced = feed.events.filter(isWaitingFor).map((e) => JSON.parse(e.data) as unknown);
    expect(announced).toEqual([started, null]);
    // The end is unchanged, and last.
    expect(feed.events.at(-1)).toEqual({
      event: "end",
      data: JSON.stringify({ reason: "workflow_finished" }),
    });
    for (const event of feed.events.filter(isWaitingFor)) expect(event.id).toBeUndefined();
  });

  it("announces each new wait at once, with no event written in between", async () => {
    // An invalid decision ends the review's receive and starts the next; the review writes only
    // to its audit stream meanwhile, so only the receive's own announcement wakes the feed.
    const id = `feed-review-${api() === local ? "local" : "relay"}-${run}`;
    expect((await api().post(review(id))).status).toBe(200);
    const feed = await openFeed(api(), id);
    const first = JSON.parse((await feed.next(waits, 10_000)).data) as WaitingFor;
    const sent = performance.now();
    const invalid = await api().post(`/send-message/${id}?topic=review`, { approved: true });
    expect(invalid.status).toBe(200);
    const next = await feed.next((e) => waits(e) && e.data !== JSON.stringify(first), 3_000);
    expect(performance.now() - sent).toBeLessThan(3_000);
    const second = JSON.parse(next.data) as WaitingFor;
    expect(second.topic).toBe("review");
    expect(Date.parse(second.since)).toBeGreaterThan(Date.parse(first.since));
    // The review's deadline does not move for an ignored message: each receive's is what is left
    // of it, counted from the worker's clock a few steps later (apart by those steps' time, well
    // under the second a new full timeout would add).
    expect(Math.abs(Date.parse(second.deadline) - Date.parse(first.deadline))).toBeLessThan(1_000);
    // Then the review times out: the last announcement is null, just before the end.
    await feed.done;
    const announced = feed.events.filter(isWaitingFor);
    expect(announced.at(-1)!.data).toBe("null");
    expect(feed.events.at(-1)!.event).toBe("end");
  });
});
