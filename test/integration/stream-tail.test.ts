import { readServerSentEvents, type ServerSentEvent } from "@wfc/client";
import { kindNamed, MAX_STREAM_TAIL, startPath } from "@wfc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack } from "../support/api.js";

// Tail reads (`?tail=N`) through the real app, backend and worker: a stream's last N values as
// a snapshot and as the start of a live feed, which then resumes by Last-Event-ID as any other.
let stack: Awaited<ReturnType<typeof startTestStack>>;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

const AUDIT = "audit_log";
const ignored = { approved: true }; // not a decision: recorded on the log, and waited past
const approve = { decision: "approve", reviewer: "ada" };

interface Snapshot {
  workflow_id: string;
  stream_values: unknown[];
  total_messages: number;
}

const review = (id: string, message: object) =>
  stack.api.post(`/send-message/${id}?topic=review`, message);

/** Polls the audit log until it holds `count` values; returns them. */
async function auditValues(id: string, count: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { body } = await stack.api.get(`/workflow-stream/${id}?key=${AUDIT}`);
    if ((body as Snapshot).total_messages >= count) return (body as Snapshot).stream_values;
    if (Date.now() > deadline) throw new Error(`${id}: fewer than ${count} values in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A document review whose pages are all checked: its audit log holds one value per page and
 * stays open (the workflow runs) until a decision arrives; each ignored message adds a value.
 */
async function runningReview(id: string, pages: number) {
  const started = await stack.api.post(startPath(kindNamed("document-review"), id, { pages }));
  expect(started.status).toBe(200);
  return auditValues(id, pages);
}

/** A finished streaming workflow: 2 steps write 6 values, then close the stream. */
async function finishedStream(id: string) {
  await stack.api.post(`/start-workflow-streaming/${id}/2`);
  await stack.inspector.result(id);
  return ((await stack.api.get(`/workflow-stream/${id}`)).body as Snapshot).stream_values;
}

/** Every event of a feed that ends by itself. */
async function allEvents(path: string, headers: Record<string, string> = {}) {
  const response = await stack.api.app.request(path, { headers });
  expect(response.status).toBe(200);
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(response.body!)) events.push(event);
  return events;
}

const ids = (events: ServerSentEvent[]) =>
  events.filter((e) => e.event === "value").map((e) => Number(e.id));

describe("a snapshot's tail", () => {
  it("of a running stream: its last N values, where they begin, and that it is open", async () => {
    const id = `tail-running-${Date.now()}`;
    const values = await runningReview(id, 5);
    const { status, body } = await stack.api.get(`/workflow-stream/${id}?key=${AUDIT}&tail=2`);
    expect(status).toBe(200);
    expect(body).toEqual({
      workflow_id: id,
      stream_values: values.slice(3),
      total_messages: 2,
      offset: 3,
      next_offset: 5,
      closed: false,
    });
    // The same answer as reading from where the tail begins.
    expect((await stack.api.get(`/workflow-stream/${id}?key=${AUDIT}&offset=3`)).body).toEqual(
      body,
    );
    await review(id, approve);
    await stack.inspector.result(id);
  });

  it("of a finished stream, and longer than the stream: what it holds, closed", async () => {
    const id = `tail-finished-${Date.now()}`;
    const values = await finishedStream(id);
    expect(values).toHaveLength(6);
    // 7 reaches past the first value to the close marker's count: still the 6 values.
    for (const tail of [1, 2, 5, 6, 7, MAX_STREAM_TAIL]) {
      const kept = values.slice(-Math.min(tail, 6));
      expect((await stack.api.get(`/workflow-stream/${id}?tail=${tail}`)).body).toEqual({
        workflow_id: id,
        stream_values: kept,
        total_messages: kept.length,
        offset: 6 - kept.length,
        next_offset: 6,
        closed: true,
      });
    }
    // Without the parameter, the seed's answer.
    const seed = (await stack.api.get(`/workflow-stream/${id}`)).body as object;
    expect(Object.keys(seed)).toEqual(["workflow_id", "stream_values", "total_messages"]);
  });

  it("of a workflow that does not exist: empty, as the seed's snapshot is", async () => {
    const { status, body } = await stack.api.get(`/workflow-stream/no-such-${Date.now()}?tail=3`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ stream_values: [], offset: 0, next_offset: 0, closed: false });
  });
});

describe("a live feed from the tail", () => {
  it("starts at the last N values, goes on with new ones, and a reconnect with Last-Event-ID continues", async () => {
    const id = `tail-live-${Date.now()}`;
    const values = await runningReview(id, 3);
    const path = `/workflow-stream/${id}/live?key=${AUDIT}&tail=2`;
    const first = new AbortController();
    const response = await stack.api.app.request(path, { signal: first.signal });
    expect(response.status).toBe(200);
    const feed = readServerSentEvents(response.body!);
    const got: ServerSentEvent[] = [];
    for await (const event of feed) {
      if (event.event !== "value") continue;
      got.push(event);
      // The tail is there: a new value arrives live.
      if (event.id === "2") expect((await review(id, ignored)).status).toBe(200);
      if (event.id === "3") break;
    }
    first.abort();
    expect(ids(got)).toEqual([1, 2, 3]);

    // Written while nobody follows: the reconnect (same URL, as an EventSource's) must bring it.
    expect((await review(id, ignored)).status).toBe(200);
    await auditValues(id, 5);
    const second = await stack.api.app.request(path, { headers: { "last-event-id": "3" } });
    const rest: ServerSentEvent[] = [];
    for await (const event of readServerSentEvents(second.body!)) {
      rest.push(event);
      if (event.id === "4") expect((await review(id, approve)).status).toBe(200);
    }
    expect(ids(rest)).toEqual([4, 5]);
    expect(rest.at(-1)).toEqual({ event: "end", data: '{"reason":"closed"}' });
    const log = await auditValues(id, 6);
    expect(
      [...got, ...rest.filter((e) => e.event === "value")].map((e) => JSON.parse(e.data)),
    ).toEqual(log.slice(1));
    expect(log.slice(0, 3)).toEqual(values);
    expect(log.map((v) => (v as { type: string }).type)).toEqual([
      ...["page_checked", "page_checked", "page_checked"],
      ...["ignored_message", "ignored_message", "decision"],
    ]);
  });

  it("of a finished stream: the tail, then the end; on the snapshot path with Accept too", async () => {
    const id = `tail-live-done-${Date.now()}`;
    await finishedStream(id);
    const sse = { accept: "text/event-stream" };
    const end = { event: "end", data: '{"reason":"closed"}' };
    const tailOf3 = await allEvents(`/workflow-stream/${id}/live?tail=3`);
    expect(ids(tailOf3)).toEqual([3, 4, 5]);
    expect(tailOf3.at(-1)).toEqual(end);
    expect(ids(await allEvents(`/workflow-stream/${id}?tail=3`, sse))).toEqual([3, 4, 5]);
    // Longer than the stream: all of it.
    expect(ids(await allEvents(`/workflow-stream/${id}/live?tail=100`))).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
    // An empty Last-Event-ID names no value (as the SSE spec allows): the tail applies.
    const empty = { "last-event-id": "" };
    expect(ids(await allEvents(`/workflow-stream/${id}/live?tail=3`, empty))).toEqual([3, 4, 5]);
    // A resume wins over the tail: after value 1, whatever the tail would say.
    const resumed = { "last-event-id": "1" };
    expect(ids(await allEvents(`/workflow-stream/${id}/live?tail=3`, resumed))).toEqual([
      2, 3, 4, 5,
    ]);
  });
});
