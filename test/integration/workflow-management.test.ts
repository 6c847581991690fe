import { DBOS } from "@dbos-inc/dbos-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Workflow management over HTTP (status, listing, cancel, resume) on the real app and worker.
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let worker: TestWorker;
const run = Date.now();

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  api = createTestApi(url);
  inspector = await createInspector(url);
  worker = await startWorker(url, { RECV_TIMEOUT_SECONDS: "30" });
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  await api?.close();
});

describe("GET /workflows/{id}", () => {
  it("shows a finished workflow's kind, status, times and output", async () => {
    const id = `mgmt-events-${run}`;
    await api.post(`/start-workflow-events/${id}/2`);
    await inspector.result(id);
    const { status, body } = await api.get(`/workflows/${id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      workflow_id: id,
      kind: "events",
      name: "workflow_with_events",
      status: "SUCCESS",
      queue_name: "example-queue",
      app_version: "1",
      output: [
        { n: 28, fibonacci: 317811 },
        { n: 29, fibonacci: 514229 },
      ],
      error: null,
    });
    expect(Date.parse(body.created_at)).toBeLessThanOrEqual(Date.parse(body.updated_at));
  });

  it("answers 404 for an unknown workflow", async () => {
    expect((await api.get("/workflows/no-such-workflow")).status).toBe(404);
  });
});

describe("GET /workflows", () => {
  it("filters by kind and status, newest first, a page at a time", async () => {
    const ids = [0, 1, 2].map((i) => `mgmt-list-${run}-${i}`);
    for (const id of ids) {
      await api.post(`/start-workflow-streaming/${id}/1`);
      await inspector.result(id);
    }
    const page1 = await api.get("/workflows?kind=streaming&status=SUCCESS&limit=2");
    expect(page1.status).toBe(200);
    expect(page1.body.workflows.map((w: { workflow_id: string }) => w.workflow_id)).toEqual([
      ids[2],
      ids[1],
    ]);
    expect(page1.body).toMatchObject({ limit: 2, offset: 0, next_offset: 2 });
    const page2 = await api.get("/workflows?kind=streaming&status=SUCCESS&limit=2&offset=2");
    expect(page2.body.workflows.map((w: { workflow_id: string }) => w.workflow_id)).toContain(
      ids[0],
    );
    for (const workflow of [...page1.body.workflows, ...page2.body.workflows]) {
      expect(workflow).toMatchObject({ kind: "streaming", status: "SUCCESS" });
    }
  });

  it.each([
    ["status=DONE", /status must be one of/],
    ["kind=nope", /kind must be one of/],
    ["limit=0", /limit must be at least 1/],
    ["limit=101", /limit must be at most 100/],
    ["offset=-1", /offset must be at least 0/],
  ])("rejects %s with 422", async (query, detail) => {
    const { status, body } = await api.get(`/workflows?${query}`);
    expect(status).toBe(422);
    expect(body.detail).toMatch(detail);
  });
});

describe("cancel and resume", () => {
  it("cancels a waiting workflow, then resumes it to completion", async () => {
    const id = `mgmt-cancel-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    // Wait until the worker has it (it then waits in recv for its approval).
    while ((await inspector.status(id)) !== "PENDING") await new Promise((r) => setTimeout(r, 20));
    const cancelled = await api.post(`/workflows/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ workflow_id: id, status: "CANCELLED" });

    const resumed = await api.post(`/workflows/${id}/resume`);
    expect(resumed.status).toBe(200);
    expect(["ENQUEUED", "PENDING"]).toContain(resumed.body.status);
    await api.post(`/send-message/${id}`, { approved: true });
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
    expect((await api.get(`/workflows/${id}`)).body.status).toBe("SUCCESS");
  });

  it("answers 409 to cancel a finished workflow, and leaves its outcome", async () => {
    const id = `mgmt-finished-${run}`;
    await api.post(`/start-workflow-events/${id}/1`);
    await inspector.result(id);
    const cancelled = await api.post(`/workflows/${id}/cancel`);
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.detail).toMatch(/already finished \(SUCCESS\)/);
    expect((await api.get(`/workflows/${id}`)).body.status).toBe("SUCCESS");
  });

  it("answers 404 to cancel or resume an unknown workflow", async () => {
    expect((await api.post("/workflows/no-such/cancel")).status).toBe(404);
    expect((await api.post("/workflows/no-such/resume")).status).toBe(404);
  });
});
