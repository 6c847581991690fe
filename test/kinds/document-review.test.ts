import {
  createWorkflowClient,
  WorkflowApiError,
  type EventChange,
  type Transport,
  type WorkflowClient,
} from "@wfc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import documentReview, {
  type AuditRecord,
  type DocumentReviewOutput,
} from "../../packages/core/src/kinds/document-review.js";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The example kind beyond the seed's, end to end: written as its declaration and workflow only,
// it is started, watched, answered and listed through the typed client, documented in
// /openapi.json and offered by the dashboard, on a real worker and the real app.

const KIND = "document-review";
const run = Date.now();
const id = (name: string) => `review-${name}-${run}`;

/** The typed client over the in-process app: every request is `app.request()`. */
const inProcess = (app: ReturnType<typeof createTestApi>["app"]): Transport => ({
  baseUrl: "http://api.test",
  fetch: async (input, init) => app.request(input, init),
});

/** A review stack on a database of its own; `env` sets the worker's settings. */
async function reviewStack(env: Record<string, string> = {}) {
  const url = await createTestDatabase("review");
  const worker: TestWorker = await startWorker(url, env);
  const api = createTestApi(url);
  return { worker, api, client: createWorkflowClient(inProcess(api.app)) };
}

async function rejection(promise: Promise<unknown>): Promise<WorkflowApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowApiError);
  return error as WorkflowApiError;
}

/** Follows the live events feed until `until` holds for a change; returns every change seen. */
async function followUntil(
  client: WorkflowClient,
  workflowId: string,
  until: (change: EventChange) => boolean = () => false,
) {
  const stop = new AbortController();
  const changes: EventChange[] = [];
  for await (const change of client.followEvents(workflowId, { signal: stop.signal })) {
    changes.push(change);
    if (until(change)) break;
  }
  stop.abort();
  return changes;
}

/** The workflow once it has finished: the live feed ends when it does. */
async function finished(client: WorkflowClient, workflowId: string) {
  await followUntil(client, workflowId);
  const workflow = await client.getWorkflow(workflowId);
  return { ...workflow, output: workflow.output as unknown as DocumentReviewOutput };
}

const waitingForReviewer = (c: EventChange) =>
  c.key === "state" && c.value === "waiting_for_reviewer";

const approve = { decision: "approve", reviewer: "ada", note: "Reads well" };

let stack: Awaited<ReturnType<typeof reviewStack>>;

beforeAll(async () => {
  stack = await reviewStack();
});
afterAll(async () => {
  await stack?.worker.stop();
  await stack?.api.close();
});

describe("a document review, declared once", () => {
  it("starts through the typed client, which answers where to read and send", async () => {
    const wf = id("start");
    const answer = await stack.client.start(KIND, wf, { pages: 3 });
    expect(answer).toEqual({
      workflow_id: wf,
      message: expect.stringContaining("3 page"),
      pages: 3,
      events: {
        progress: `/workflow-events/${wf}/progress`,
        state: `/workflow-events/${wf}/state`,
        pages_reviewed: `/workflow-events/${wf}/pages_reviewed`,
        all: `/workflow-events/${wf}/all`,
      },
      send_review: `/send-message/${wf}?topic=review`,
      audit_log: `/workflow-stream/${wf}?key=audit_log`,
      note: expect.stringContaining('"decision"'),
    });
    // Starting the same ID again returns it, never a second review.
    expect(await stack.client.start(KIND, wf, { pages: 3 })).toEqual(answer);
    await stack.client.sendMessage(wf, approve, { topic: "review" });
    expect((await finished(stack.client, wf)).output.pages_reviewed).toBe(3);
  });

  it("publishes progress per page, read with a wait and live, until it waits for a reviewer", async () => {
    const wf = id("progress");
    await stack.client.start(KIND, wf, { pages: 3 });
    // A wait returns as soon as the review has begun.
    const state = await stack.client.getEvent<string>(wf, "state", 20);
    expect(["reviewing", "waiting_for_reviewer"]).toContain(state.value);

    const changes = await followUntil(stack.client, wf, waitingForReviewer);
    // Live values are the latest per key: pages may be skipped, never reordered or overshot.
    const progress = changes.filter((c) => c.key === "progress").map((c) => c.value as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    const pages = changes.filter((c) => c.key === "pages_reviewed").map((c) => c.value);
    expect(pages.at(-1)).toBe(3);
    expect((await stack.client.allEvents(wf)).events).toEqual({
      state: "waiting_for_reviewer",
      progress: 100,
      pages_reviewed: 3,
    });
    expect((await stack.client.getWorkflow(wf)).status).toBe("PENDING");

    await stack.client.sendMessage(wf, approve, { topic: "review" });
    await finished(stack.client, wf);
  });

  it("writes one audit record per page and per decision, read as a snapshot and live", async () => {
    const wf = id("audit");
    await stack.client.start(KIND, wf, { pages: 3 });
    const stop = new AbortController();
    const pages: AuditRecord[] = [];
    for await (const { value } of stack.client.followStream<AuditRecord>(wf, {
      key: "audit_log",
      signal: stop.signal,
    })) {
      pages.push(value);
      if (pages.length === 3) break;
    }
    stop.abort();
    expect(pages).toMatchObject([1, 2, 3].map((page) => ({ type: "page_checked", page, of: 3 })));
    for (const record of pages) {
      expect(record).toMatchObject({ checksum: expect.stringMatching(/^[0-9a-f]{16}$/) });
    }

    const snapshot = await stack.client.streamSnapshot<AuditRecord>(wf, { key: "audit_log" });
    expect(snapshot.stream_values).toEqual(pages);
    expect(snapshot.total_messages).toBe(3);

    await stack.client.sendMessage(wf, approve, { topic: "review" });
    // Followed live from the start, the log ends by itself: the workflow closes it.
    const all: AuditRecord[] = [];
    for await (const { value } of stack.client.followStream<AuditRecord>(wf, { key: "audit_log" }))
      all.push(value);
    expect(all.slice(0, 3)).toEqual(pages);
    expect(all.slice(3)).toMatchObject([
      { type: "decision", decision: "approve", reviewer: "ada", note: "Reads well" },
    ]);
    const closed = await stack.client.streamSnapshot(wf, { key: "audit_log", offset: 3 });
    expect(closed).toMatchObject({ next_offset: 4, closed: true });
  });

  it("is approved by a decision on topic review, sent even before it waits", async () => {
    const wf = id("approve");
    await stack.client.start(KIND, wf, { pages: 3 });
    const sent = await stack.client.sendMessage(wf, approve, { topic: "review" });
    expect(sent.payload).toEqual(approve);

    const done = await finished(stack.client, wf);
    expect(done).toMatchObject({ kind: KIND, name: "document_review", status: "SUCCESS" });
    expect(done.output).toEqual({
      outcome: "approved",
      pages_reviewed: 3,
      checksums: [expect.any(String), expect.any(String), expect.any(String)],
      reviewer: "ada",
      note: "Reads well",
      ignored_messages: 0,
    });
    expect((await stack.client.getEvent(wf, "state", 0)).value).toBe("approved");
  });

  it("records messages that are not decisions and waits past them; request_changes decides", async () => {
    const wf = id("invalid");
    await stack.client.start(KIND, wf, { pages: 1 });
    await stack.client.sendMessage(wf, { approved: true }, { topic: "review" });
    await stack.client.sendMessage(
      wf,
      { decision: "approved", reviewer: "eve" },
      { topic: "review" },
    );
    await stack.client.sendMessage(
      wf,
      { decision: "request_changes", reviewer: "bob", message: "Page 1 needs a figure" },
      { topic: "review" },
    );

    const done = await finished(stack.client, wf);
    expect(done.output).toMatchObject({
      outcome: "changes_requested",
      reviewer: "bob",
      note: "Page 1 needs a figure",
      ignored_messages: 2,
    });
    const log = await stack.client.streamSnapshot<AuditRecord>(wf, { key: "audit_log" });
    expect(log.stream_values.map((r) => r.type)).toEqual([
      "page_checked",
      "ignored_message",
      "ignored_message",
      "decision",
    ]);
    expect(log.stream_values[1]).toMatchObject({
      message: { approved: true },
      reason: expect.stringContaining("decision"),
    });
    // Every record has the shape the kind declares for the dashboard's log.
    const { records } = documentReview.dashboard!.log!;
    for (const record of log.stream_values) expect(records.safeParse(record).success).toBe(true);
    expect((await stack.client.getEvent(wf, "state", 0)).value).toBe("changes_requested");
  });

  it("refuses a message on a topic it does not declare with a 409 naming its topics", async () => {
    const wf = id("topic");
    await stack.client.start(KIND, wf, { pages: 1 });
    // The seed's default topic, `notification`.
    const error = await rejection(stack.client.sendMessage(wf, { approved: true }));
    expect(error.status).toBe(409);
    expect(error.detail).toBe(
      "A 'document-review' workflow receives no messages on topic 'notification' (its topics: 'review')",
    );

    await stack.client.sendMessage(wf, approve, { topic: "review" });
    // The refused message never reached the workflow.
    expect((await finished(stack.client, wf)).output.ignored_messages).toBe(0);
  });

  it("answers 404 for a stream it does not declare", async () => {
    const wf = id("stream");
    await stack.client.start(KIND, wf, { pages: 1 });
    for (const key of [undefined, "progress_stream", "audit"]) {
      const error = await rejection(stack.client.streamSnapshot(wf, { key }));
      expect(error.status).toBe(404);
      expect(error.detail).toContain("its streams: 'audit_log'");
    }
    await stack.client.sendMessage(wf, approve, { topic: "review" });
    await finished(stack.client, wf);
  });

  it("refuses bad start parameters with a 422 naming pages, and starts nothing", async () => {
    for (const pages of [0, 51, 1.5]) {
      const error = await rejection(stack.client.start(KIND, id(`bad-${pages}`), { pages }));
      expect(error.status).toBe(422);
      expect(error.detail).toMatch(/^pages must be/);
    }
    const raw = await stack.api.post(`/start-workflow-document-review/${id("bad-text")}/many`);
    expect(raw.status).toBe(422);
    expect(raw.body.detail).toMatch(/pages/);
    expect((await rejection(stack.client.getWorkflow(id("bad-0")))).status).toBe(404);
  });

  it("is documented in /openapi.json with its start path and answer schema", async () => {
    const { status, body } = await stack.api.get("/openapi.json");
    expect(status).toBe(200);
    const start = body.paths["/start-workflow-document-review/{workflow_id}/{pages}"]?.post;
    expect(start.parameters.map((p: { name: string }) => p.name)).toEqual(["workflow_id", "pages"]);
    let schema = start.responses["200"].content["application/json"].schema;
    if (schema.$ref) schema = body.components.schemas[schema.$ref.split("/").at(-1)];
    expect(Object.keys(schema.properties).sort()).toEqual(
      ["audit_log", "events", "message", "note", "pages", "send_review", "workflow_id"].sort(),
    );
    expect(Object.keys(start.responses)).toEqual(
      expect.arrayContaining(["200", "409", "422", "503"]),
    );
  });

  it("is listed by GET /workflows?kind=document-review, and only it", async () => {
    const wf = id("listed");
    await stack.client.start(KIND, wf, { pages: 1 });
    await stack.client.sendMessage(wf, approve, { topic: "review" });
    await finished(stack.client, wf);
    const page = await stack.client.listWorkflows({ kind: KIND, limit: 100 });
    expect(page.workflows.map((w) => w.workflow_id)).toContain(wf);
    expect(new Set(page.workflows.map((w) => w.kind))).toEqual(new Set([KIND]));
  });

  it("is offered by the dashboard with its actions", async () => {
    const { status, body } = await stack.api.get("/ui/app.js");
    expect(status).toBe(200);
    // Checked as booleans: a failure would otherwise print the whole script.
    const script = String(body);
    expect(script.includes("document-review"), "the script names the kind").toBe(true);
    expect(script.includes("Request changes"), "the script has the kind's actions").toBe(true);
  });
});

describe("the review's timeout, REVIEW_TIMEOUT_SECONDS", () => {
  let short: Awaited<ReturnType<typeof reviewStack>>;
  beforeAll(async () => {
    short = await reviewStack({ REVIEW_TIMEOUT_SECONDS: "1" });
  });
  afterAll(async () => {
    await short?.worker.stop();
    await short?.api.close();
  });

  it("ends an unanswered review as timed out, logged and closed", async () => {
    const wf = id("timeout");
    await short.client.start(KIND, wf, { pages: 2 });
    const done = await finished(short.client, wf);
    expect(done.status).toBe("SUCCESS");
    expect(done.output).toMatchObject({ outcome: "timed_out", reviewer: null, pages_reviewed: 2 });
    expect((await short.client.getEvent(wf, "state", 0)).value).toBe("timed_out");
    const log = await short.client.streamSnapshot<AuditRecord>(wf, {
      key: "audit_log",
      offset: 0,
    });
    expect(log.closed).toBe(true);
    expect(log.stream_values.at(-1)).toMatchObject({ type: "timed_out", after_seconds: 1 });
  });

  it("refuses a REVIEW_TIMEOUT_SECONDS that is not positive, naming it", async () => {
    const url = await createTestDatabase("review_bad");
    const error = await startWorker(url, { REVIEW_TIMEOUT_SECONDS: "0" }).then(
      (w) => w.stop().then(() => undefined),
      (e: unknown) => e,
    );
    expect(String(error)).toContain("REVIEW_TIMEOUT_SECONDS");
  });
});
