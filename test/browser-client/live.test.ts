import {
  createBrowserClient,
  cursorKey,
  WorkflowApiError,
  type CursorStore,
  type FetchLike,
  type WaitingFor,
} from "@wfc/browser";
import { createWorkflowClient } from "@wfc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { API_KEY, startClientStack } from "../client/stack.js";

// The browser client against the real API and worker, in Node (whose fetch and streams are the
// browser's); with live feeds limited to 0.5 s so every follow crosses feed lifetimes. The API
// key stands in for a capability token: both are sent as `Authorization: Bearer`.
const LIMIT_SECONDS = 0.5;
const PAGES = 5;
const APPROVE = { decision: "approve", reviewer: "ada" };

let stack: Awaited<ReturnType<typeof startClientStack>>;
let baseUrl: string;

beforeAll(async () => {
  stack = await startClientStack(await createTestDatabase("browser_client"), {
    LIVE_FEED_MAX_SECONDS: String(LIMIT_SECONDS),
  });
  baseUrl = stack.transport("http").baseUrl;
});
afterAll(async () => {
  await stack?.stop();
});

/** Starts a document review of PAGES pages: it writes a value per page, then waits on `review`. */
async function startReview(id: string) {
  await createWorkflowClient(stack.transport("http")).start("document-review", id, {
    pages: PAGES,
  });
}

/** Resolves once the workflow waits for a message (polled through the browser client). */
async function waitingFor(id: string) {
  const client = createBrowserClient({ baseUrl, token: API_KEY });
  for (;;) {
    const summary = await client.getWorkflow(id);
    if (summary.waiting_for) return summary.waiting_for;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A fetch that records each live request's Last-Event-ID. */
function recording() {
  const lastEventIds: (string | null)[] = [];
  const fetch: FetchLike = (input, init) => {
    const request = new Request(input, init);
    if (request.url.includes("/live")) lastEventIds.push(request.headers.get("last-event-id"));
    return globalThis.fetch(request);
  };
  return { fetch, lastEventIds };
}

/** An in-memory `sessionStorage`. */
function memoryStorage(): CursorStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
  };
}

// A reconnect counted as a failure would wait a minute (and time the test out): none may.
const NO_BACKOFF = { retryDelayMs: 60_000 };

describe("@wfc/browser against the API", () => {
  it("follows a stream from its tail, then on across feed lifetimes: every value once", async () => {
    const id = "browser-tail";
    await startReview(id);
    await waitingFor(id);
    const { fetch, lastEventIds } = recording();
    const client = createBrowserClient({ baseUrl, token: API_KEY, fetch });
    const offsets: number[] = [];
    let sent: Promise<unknown> | undefined;
    for await (const item of client.followStream(id, {
      ...NO_BACKOFF,
      key: "audit_log",
      tail: 2,
    })) {
      offsets.push(item.offset);
      // Decided once the feed has been cut by its time limit at least once while quiet.
      if (offsets.length === 2) {
        await new Promise((resolve) => setTimeout(resolve, LIMIT_SECONDS * 1000 * 2.5));
        sent = client.sendMessage(id, APPROVE, { topic: "review" });
      }
    }
    await sent;
    expect(offsets).toEqual([PAGES - 2, PAGES - 1, PAGES]);
    expect(lastEventIds[0]).toBeNull();
    // Every reconnection resumed after the last value delivered before it.
    expect(lastEventIds.length).toBeGreaterThanOrEqual(2);
    expect(lastEventIds[1]).toBe(String(PAGES - 1));
  });

  it("keeps a stream's cursor across a reload: a new client with the same storage goes on", async () => {
    const id = "browser-reload";
    await startReview(id);
    await waitingFor(id);
    const storage = memoryStorage();
    const first = createBrowserClient({ baseUrl, token: API_KEY });
    const before: number[] = [];
    for await (const item of first.followStream(id, { key: "audit_log", cursorStore: storage })) {
      before.push(item.offset);
      if (before.length === 3) break; // the page is reloaded here
    }
    expect(storage.items.get(cursorKey(id, "audit_log"))).toBe("3");

    const { fetch, lastEventIds } = recording();
    const second = createBrowserClient({ baseUrl, token: API_KEY, fetch });
    const after: number[] = [];
    const sent = second.sendMessage(id, APPROVE, { topic: "review" });
    for await (const item of second.followStream(id, { key: "audit_log", cursorStore: storage }))
      after.push(item.offset);
    await sent;
    expect(before).toEqual([0, 1, 2]);
    expect(after).toEqual([3, 4, 5]);
    expect(lastEventIds[0]).toBe("2");
    expect(storage.items.get(cursorKey(id, "audit_log"))).toBe("6");
  });

  it("follows events, tells what the workflow waits for, and sends the awaited message", async () => {
    const id = "browser-events";
    await startReview(id);
    const client = createBrowserClient({ baseUrl, getToken: async () => API_KEY });
    const waits: (WaitingFor | null)[] = [];
    let sent: Promise<unknown> | undefined;
    const onWaitingFor = (waiting: WaitingFor | null) => {
      waits.push(waiting);
      if (waiting?.topic === "review")
        sent ??= client.sendMessage(id, APPROVE, { topic: "review" });
    };
    const final: Record<string, unknown> = {};
    for await (const change of client.followEvents(id, { ...NO_BACKOFF, onWaitingFor }))
      final[change.key] = change.value;
    expect(await sent).toMatchObject({ workflow_id: id, payload: APPROVE });
    expect(waits.map((w) => w?.topic ?? null)).toEqual(["review", null]);
    expect(final).toMatchObject({ progress: 100, pages_reviewed: PAGES, state: "approved" });
    expect((await client.getWorkflow(id)).waiting_for).toBeNull();
  });

  it("asks for a new token after a 401 and retries with it", async () => {
    const tokens = ["expired-or-revoked", API_KEY];
    let calls = 0;
    const client = createBrowserClient({ baseUrl, getToken: async () => tokens[calls++]! });
    await expect(client.getWorkflow("browser-no-such")).rejects.toMatchObject({ status: 404 });
    expect(calls).toBe(2);
    // The fresh token is kept: no more calls.
    await expect(client.getWorkflow("browser-no-such")).rejects.toMatchObject({ status: 404 });
    expect(calls).toBe(2);
  });

  it("throws WorkflowApiError with the API's status and detail", async () => {
    const client = createBrowserClient({ baseUrl, token: API_KEY });
    const unknown = await client.getWorkflow("browser-no-such").catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(WorkflowApiError);
    expect(unknown).toMatchObject({ status: 404, detail: "Workflow not found" });

    const id = "browser-errors";
    await startReview(id);
    await expect(client.sendMessage(id, APPROVE, { topic: "no_such_topic" })).rejects.toMatchObject(
      {
        status: 409,
        detail: expect.stringContaining("no_such_topic"),
      },
    );
    const anonymous = createBrowserClient({ baseUrl });
    await expect(anonymous.getWorkflow(id)).rejects.toMatchObject({ status: 401 });
    const feed = anonymous.followStream(id, { key: "audit_log" });
    await expect(feed.next()).rejects.toMatchObject({ status: 401 });
    await client.sendMessage(id, APPROVE, { topic: "review" });
  });

  it("works with nothing but a capability token for its workflow, and nothing more", async () => {
    const id = "browser-token";
    await startReview(id);
    await waitingFor(id);
    // What an adopter's backend does: mint a token for the user's workflow with the API key.
    const server = createWorkflowClient(stack.transport("http"));
    const { token } = await server.mintToken({
      workflow_id: id,
      events: "*",
      streams: ["audit_log"],
      topics: ["review"],
      ttl_seconds: 60,
    });
    const client = createBrowserClient({ baseUrl, token });
    expect((await client.getWorkflow(id)).waiting_for?.topic).toBe("review");
    const offsets: number[] = [];
    const sent = client.sendMessage(id, APPROVE, { topic: "review" });
    for await (const item of client.followStream(id, { ...NO_BACKOFF, key: "audit_log" }))
      offsets.push(item.offset);
    await sent;
    expect(offsets).toEqual([...Array(PAGES + 1).keys()]);
    // Another workflow, or another stream of this one: refused, with the API's detail.
    await startReview(`${id}-other`);
    const refused = await client.getWorkflow(`${id}-other`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowApiError);
    expect((refused as WorkflowApiError).status).toBe(403);
    const stream = client.followStream(id, { ...NO_BACKOFF, key: "progress_stream" });
    const other = await stream.next().catch((error: unknown) => error);
    expect((other as WorkflowApiError).status).toBe(403);
  });
});
