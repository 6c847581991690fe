import { DBOS } from "@dbos-inc/dbos-sdk";
import { kindNamed } from "@wfc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The seed's HTTP contract and workflow behaviour (DESIGN.md), through the real Hono app,
// the real DBOSClient backend and a real worker process on a fresh database.
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let worker: TestWorker;
let earlyMessageId: string;

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  api = createTestApi(url);
  inspector = await createInspector(url);

  // A message sent while no worker has even dequeued the workflow must wait for its recv.
  earlyMessageId = `early-${Date.now()}`;
  expect((await api.post(`/start-workflow-messaging/${earlyMessageId}/2`)).status).toBe(200);
  expect((await api.post(`/send-message/${earlyMessageId}`, { approved: true })).status).toBe(200);

  worker = await startWorker(url, { RECV_TIMEOUT_SECONDS: "2" });
});

afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  await api?.close();
});

const fib = (n: number): number => (n <= 1 ? n : fib(n - 1) + fib(n - 2));

describe("GET /health", () => {
  it("answers ok with the process memory in MB", async () => {
    const { status, body } = await api.get("/health");
    expect(status).toBe(200);
    expect(body.status).toBe("ok");
    expect(body.memory_mb).toBeGreaterThan(0);
  });
});

describe("events", () => {
  const id = `wf-events-${Date.now()}`;

  it("starts a workflow and lists its query endpoints", async () => {
    const { status, body } = await api.post(`/start-workflow-events/${id}/3`);
    expect(status).toBe(200);
    expect(body).toEqual({
      workflow_id: id,
      message: "Workflow started with events",
      query_endpoints: {
        progress: `/workflow-events/${id}/progress`,
        status: `/workflow-events/${id}/status`,
        result: `/workflow-events/${id}/result`,
        all_events: `/workflow-events/${id}/all`,
      },
    });
  });

  it("waits for the result event and totals the fibonacci steps", async () => {
    const { status, body } = await api.get(`/workflow-events/${id}/result?timeout=20`);
    expect(status).toBe(200);
    expect(body).toEqual({
      workflow_id: id,
      event_key: "result",
      value: { total_steps: 3, total_fibonacci: fib(28) + fib(29) + fib(30) },
    });
  });

  it("ends with progress 100 and status completed", async () => {
    expect((await api.get(`/workflow-events/${id}/progress`)).body.value).toBe(100);
    expect((await api.get(`/workflow-events/${id}/status`)).body.value).toBe("completed");
  });

  it("returns all events at once", async () => {
    const { status, body } = await api.get(`/workflow-events/${id}/all`);
    expect(status).toBe(200);
    expect(body).toEqual({
      workflow_id: id,
      events: {
        progress: 100,
        status: "completed",
        result: { total_steps: 3, total_fibonacci: fib(28) + fib(29) + fib(30) },
      },
    });
  });

  it("returns the list of step results as the workflow output", async () => {
    expect(await inspector.result(id)).toEqual([28, 29, 30].map((n) => ({ n, fibonacci: fib(n) })));
  });

  it("answers 404 with the seed's detail once the timeout passes", async () => {
    const started = performance.now();
    const { status, body } = await api.get(`/workflow-events/${id}/never_set?timeout=1`);
    expect(status).toBe(404);
    expect(body).toEqual({ detail: "Event 'never_set' not found or timeout reached" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("answers all events of an unknown workflow with an empty object", async () => {
    expect((await api.get("/workflow-events/no-such-workflow/all")).body).toEqual({
      workflow_id: "no-such-workflow",
      events: {},
    });
  });
});

describe("messaging", () => {
  it("starts a workflow that waits for approval", async () => {
    const id = `wf-msg-start-${Date.now()}`;
    const { status, body } = await api.post(`/start-workflow-messaging/${id}/1`);
    expect(status).toBe(200);
    expect(body).toEqual({
      workflow_id: id,
      message: "Workflow started and will wait for approval notification",
      send_approval: `/send-message/${id}`,
      note: "Send POST request with JSON body: {'approved': true}. Messages are queued automatically.",
    });
  });

  it("completes its steps after an approval", async () => {
    const id = `wf-msg-ok-${Date.now()}`;
    await api.post(`/start-workflow-messaging/${id}/3`);
    const payload = { approved: true, message: "Approved by admin" };
    const sent = await api.post(`/send-message/${id}`, payload);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({
      workflow_id: id,
      message: "Notification sent to workflow",
      payload,
    });
    expect(await inspector.result(id)).toEqual({
      status: "completed",
      results: [10, 11, 12].map((n) => ({ n, fibonacci: fib(n) })),
    });
  });

  it("is cancelled by a rejection", async () => {
    const id = `wf-msg-no-${Date.now()}`;
    await api.post(`/start-workflow-messaging/${id}/3`);
    await api.post(`/send-message/${id}`, { approved: false, reason: "Rejected" });
    expect(await inspector.result(id)).toEqual({
      status: "cancelled",
      reason: "Not approved or timeout",
      results: [],
    });
  });

  it("is cancelled when no message arrives before the recv timeout", async () => {
    const id = `wf-msg-timeout-${Date.now()}`;
    await api.post(`/start-workflow-messaging/${id}/3`);
    expect(await inspector.result(id)).toEqual({
      status: "cancelled",
      reason: "Not approved or timeout",
      results: [],
    });
  });

  it("does not lose a message sent before the workflow reached recv", async () => {
    expect(await inspector.result(earlyMessageId)).toEqual({
      status: "completed",
      results: [10, 11].map((n) => ({ n, fibonacci: fib(n) })),
    });
  });
});

describe("streaming", () => {
  it("streams 2n+2 ordered values, then the snapshot stays complete", async () => {
    const id = `wf-stream-${Date.now()}`;
    const started = await api.post(`/start-workflow-streaming/${id}/3`);
    expect(started.body).toEqual({
      workflow_id: id,
      message: "Workflow started with streaming",
      read_stream: `/workflow-stream/${id}`,
    });
    await inspector.result(id);
    const { status, body } = await api.get(`/workflow-stream/${id}`);
    expect(status).toBe(200);
    expect(body.workflow_id).toBe(id);
    expect(body.total_messages).toBe(8);
    const values = body.stream_values as Array<Record<string, unknown>>;
    expect(values.map((v) => v.type)).toEqual([
      "start",
      "progress",
      "result",
      "progress",
      "result",
      "progress",
      "result",
      "complete",
    ]);
    expect(values[0]).toMatchObject({ type: "start", message: "Workflow started with 3 steps" });
    expect(values[1]).toMatchObject({ step: 1, total_steps: 3, message: "Starting step 1/3" });
    expect(values[2]).toMatchObject({ step: 1, result: { n: 10, fibonacci: 55 } });
    expect(values[7]).toMatchObject({
      message: "Workflow completed successfully",
      total_results: 3,
    });
    const timestamps = values.map((v) => v.timestamp as number);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    expect(Math.abs(timestamps[0]! - Date.now() / 1000)).toBeLessThan(60);
    // Every record has the shape the kind declares for the dashboard's log.
    const { records } = kindNamed("streaming").dashboard!.log!;
    for (const value of values) expect(records.safeParse(value).success).toBe(true);
  });

  it("returns an empty snapshot at once for a stream that has nothing yet", async () => {
    expect((await api.get("/workflow-stream/nothing-here")).body).toEqual({
      workflow_id: "nothing-here",
      stream_values: [],
      total_messages: 0,
    });
  });
});

describe("idempotent starts", () => {
  it("does not run a workflow twice when started again with the same ID", async () => {
    const id = `wf-twice-${Date.now()}`;
    await api.post(`/start-workflow-streaming/${id}/2`);
    await inspector.result(id);
    expect((await api.post(`/start-workflow-streaming/${id}/2`)).status).toBe(200);
    await inspector.result(id);
    expect((await api.get(`/workflow-stream/${id}`)).body.total_messages).toBe(6);
  });

  it("refuses to reuse an ID for another kind of workflow with 409", async () => {
    const id = `wf-kind-${Date.now()}`;
    await api.post(`/start-workflow-streaming/${id}/1`);
    const { status, body } = await api.post(`/start-workflow-events/${id}/1`);
    expect(status).toBe(409);
    expect(body.detail).toMatch(/different kind/);
  });
});

describe("GET /", () => {
  it("fans out five child workflows and returns their statuses", async () => {
    const { status, body } = await api.get("/");
    expect(status).toBe(200);
    expect(body.status).toBe("completed");
    expect(body.handles_status).toHaveLength(5);
    for (const child of body.handles_status) {
      expect(child).toMatchObject({ name: "dbos_workflow", queue_name: "example-queue" });
      expect(["ENQUEUED", "PENDING", "SUCCESS"]).toContain(child.status);
    }
    const outputs = await Promise.all(
      body.handles_status.map((c: { workflow_id: string }) =>
        inspector.result<unknown[]>(c.workflow_id),
      ),
    );
    expect(outputs.map((o) => o.length)).toEqual([1, 2, 3, 4, 5]);
  });
});
