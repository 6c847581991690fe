import { readServerSentEvents, type ServerSentEvent } from "@wfc/client";
import pg from "pg";
import { expect } from "vitest";
import type { createInspector, createTestApi } from "../support/api.js";
import { until } from "../support/fault.js";

/** What each path needs: the API under test, and direct (not pooled) ways to check outcomes. */
export interface PathContext {
  api: ReturnType<typeof createTestApi>;
  inspector: Awaited<ReturnType<typeof createInspector>>;
  /** A direct connection to the database, for facts the HTTP contract does not expose. */
  db: pg.Pool;
  /** A workflow ID unique to this run. */
  id(name: string): string;
}

// Waits through a transaction pooler wake at the backend's fallback re-read (2 s) until the API
// stops LISTENing on it: generous timeouts, no latency asserted.
const WAIT = "timeout=25";
// fibonacci(28) + fibonacci(29): the events workflow's result for 2 steps.
const TWO_STEP_TOTAL = 317_811 + 514_229;

async function sse(ctx: PathContext, path: string, headers: Record<string, string> = {}) {
  const response = await ctx.api.app.request(path, {
    headers: { accept: "text/event-stream", ...headers },
  });
  expect(response.status).toBe(200);
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(response.body!)) events.push(event);
  return events;
}

async function storedMessages(ctx: PathContext, workflowId: string) {
  const { rows } = await ctx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM dbos.notifications WHERE destination_uuid = $1",
    [workflowId],
  );
  return rows[0]!.n;
}

/**
 * Every API path a client uses, each a check of what the client sees. Run against any API
 * (through a pooler or not) whose worker uses RECV_TIMEOUT_SECONDS of 30 or more.
 */
export const API_PATHS: [title: string, run: (ctx: PathContext) => Promise<void>][] = [
  [
    "starts an events workflow and a blocked GET answers with the event's value once it is set",
    async (ctx) => {
      const id = ctx.id("events");
      const waiting = ctx.api.get(`/workflow-events/${id}/result?${WAIT}`);
      const started = await ctx.api.post(`/start-workflow-events/${id}/2`);
      expect(started.status).toBe(200);
      expect(started.body.query_endpoints.result).toBe(`/workflow-events/${id}/result`);
      const { status, body } = await waiting;
      expect(status).toBe(200);
      expect(body).toEqual({
        workflow_id: id,
        event_key: "result",
        value: { total_steps: 2, total_fibonacci: TWO_STEP_TOTAL },
      });
      const all = await ctx.api.get(`/workflow-events/${id}/all`);
      expect(all.body.events).toMatchObject({ status: "completed", progress: 100 });
    },
  ],
  [
    "answers 404 for an event that is not set before the timeout",
    async (ctx) => {
      const { status, body } = await ctx.api.get(`/workflow-events/${ctx.id("unset")}/x?timeout=1`);
      expect(status).toBe(404);
      expect(body.detail).toBe("Event 'x' not found or timeout reached");
    },
  ],
  [
    "follows a workflow's events live until it finishes",
    async (ctx) => {
      const id = ctx.id("live-events");
      await ctx.api.post(`/start-workflow-events/${id}/1`);
      const events = await sse(ctx, `/workflow-events/${id}/all`);
      const latest = new Map<string, unknown>();
      for (const e of events.filter((e) => e.event === "change")) {
        const { key, value } = JSON.parse(e.data) as { key: string; value: unknown };
        latest.set(key, value);
      }
      expect(latest.get("status")).toBe("completed");
      expect(latest.get("result")).toEqual({ total_steps: 1, total_fibonacci: 317_811 });
      expect(events.at(-1)).toEqual({ event: "end", data: '{"reason":"workflow_finished"}' });
    },
  ],
  [
    "sends a message the waiting workflow acts on, once per Idempotency-Key",
    async (ctx) => {
      const id = ctx.id("messaging");
      const started = await ctx.api.post(`/start-workflow-messaging/${id}/1`);
      expect(started.body.send_approval).toBe(`/send-message/${id}`);
      const headers = { "idempotency-key": `approval-${id}` };
      for (let attempt = 0; attempt < 2; attempt++) {
        const sent = await ctx.api.post(`/send-message/${id}`, { approved: true }, headers);
        expect(sent.status).toBe(200);
        expect(sent.body).toEqual({
          workflow_id: id,
          message: "Notification sent to workflow",
          payload: { approved: true },
        });
      }
      expect(await ctx.inspector.result(id)).toMatchObject({ status: "completed" });
      expect(await storedMessages(ctx, id)).toBe(1);
    },
  ],
  [
    "reads a stream snapshot, from the start and from an offset",
    async (ctx) => {
      const id = ctx.id("snapshot");
      await ctx.api.post(`/start-workflow-streaming/${id}/2`);
      await ctx.inspector.result(id);
      const whole = await ctx.api.get(`/workflow-stream/${id}`);
      expect(whole.status).toBe(200);
      expect(whole.body.total_messages).toBe(6);
      expect(whole.body.stream_values.map((v: { type: string }) => v.type)).toEqual([
        "start",
        "progress",
        "result",
        "progress",
        "result",
        "complete",
      ]);
      const tail = await ctx.api.get(`/workflow-stream/${id}?offset=4`);
      expect(tail.body).toMatchObject({ offset: 4, next_offset: 6, closed: true });
      expect(tail.body.stream_values).toEqual(whole.body.stream_values.slice(4));
    },
  ],
  [
    "follows a stream live to its end, resuming after a Last-Event-ID",
    async (ctx) => {
      const id = ctx.id("live-stream");
      await ctx.api.post(`/start-workflow-streaming/${id}/2`);
      const events = await sse(ctx, `/workflow-stream/${id}`);
      const values = events.filter((e) => e.event === "value");
      expect(values.map((e) => e.id)).toEqual(["0", "1", "2", "3", "4", "5"]);
      expect(JSON.parse(values.at(-1)!.data)).toMatchObject({ type: "complete" });
      expect(events.at(-1)).toEqual({ event: "end", data: '{"reason":"closed"}' });
      const resumed = await sse(ctx, `/workflow-stream/${id}/live`, { "last-event-id": "3" });
      expect(resumed.filter((e) => e.event === "value").map((e) => e.id)).toEqual(["4", "5"]);
    },
  ],
  [
    "runs the seed's root workflow: GET / lists its five children",
    async (ctx) => {
      const { status, body } = await ctx.api.get("/");
      expect(status).toBe(200);
      expect(body.status).toBe("completed");
      expect(body.handles_status).toHaveLength(5);
    },
  ],
  [
    "gets, lists, cancels and resumes workflows",
    async (ctx) => {
      const id = ctx.id("manage");
      await ctx.api.post(`/start-workflow-messaging/${id}/1`);
      await until("the worker to run the workflow", async () => {
        return (await ctx.inspector.status(id)) === "PENDING";
      });
      const shown = await ctx.api.get(`/workflows/${id}`);
      expect(shown.body).toMatchObject({ workflow_id: id, kind: "messaging", status: "PENDING" });
      const listed = await ctx.api.get("/workflows?kind=messaging&limit=100");
      expect(listed.body.workflows.map((w: { workflow_id: string }) => w.workflow_id)).toContain(
        id,
      );
      const cancelled = await ctx.api.post(`/workflows/${id}/cancel`);
      expect(cancelled.body).toMatchObject({ workflow_id: id, status: "CANCELLED" });
      const resumed = await ctx.api.post(`/workflows/${id}/resume`);
      expect(["ENQUEUED", "PENDING"]).toContain(resumed.body.status);
      await ctx.api.post(`/send-message/${id}`, { approved: true });
      expect(await ctx.inspector.result(id)).toMatchObject({ status: "completed" });
      expect((await ctx.api.get(`/workflows/${id}`)).body.status).toBe("SUCCESS");
    },
  ],
];
