import { createBrowserClient, type BrowserClient } from "@wfc/browser";
import { createWorkflowClient } from "@wfc/client";
import { useSendMessage, useWorkflow, useWorkflowEvents, useWorkflowStream } from "@wfc/react";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { create, type ReactTestRenderer } from "react-test-renderer";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { API_KEY, startClientStack } from "../client/stack.js";

// The hooks run by React (a test renderer: effects run, no DOM) against the real API and
// worker, with live feeds limited to 0.5 s so they cross feed lifetimes. In a real browser:
// issue 23 item 8.
let stack: Awaited<ReturnType<typeof startClientStack>>;
let client: BrowserClient;

beforeAll(async () => {
  stack = await startClientStack(await createTestDatabase("react_hooks"), {
    LIVE_FEED_MAX_SECONDS: "0.5",
  });
  client = createBrowserClient({ baseUrl: stack.transport("http").baseUrl, token: API_KEY });
});
afterAll(async () => {
  await stack?.stop();
});

/** What the component rendered last: every hook's value. */
let seen: ReturnType<typeof hooks> | undefined;

function hooks(id: string | undefined) {
  return {
    workflow: useWorkflow(client, id),
    events: useWorkflowEvents(client, id),
    stream: useWorkflowStream<{ type: string }>(client, id, { key: "audit_log" }),
    review: useSendMessage(client, id, { topic: "review" }),
  };
}

function Review({ id }: { id: string | undefined }) {
  seen = hooks(id);
  return null;
}

describe("@wfc/react against the API", () => {
  it("renders on the server with nothing fetched yet", () => {
    expect(renderToString(createElement(Review, { id: "never-started" }))).toBe("");
    expect(seen?.workflow).toEqual({
      data: { workflow: undefined, waitingFor: null },
      done: false,
      error: undefined,
    });
    expect(seen?.stream.data).toEqual([]);
  });

  it("shows a review's status, waits, values and decision live, until it is over", async () => {
    const id = "react-review";
    await createWorkflowClient(stack.transport("http")).start("document-review", id, { pages: 3 });
    const renderer: ReactTestRenderer = create(createElement(Review, { id }));
    const until = (check: () => void) => vi.waitFor(check, { timeout: 20_000, interval: 50 });
    // Each hook follows the workflow on a feed of its own: each hears the wait in its own time.
    await until(() => expect(seen!.workflow.data.waitingFor?.topic).toBe("review"));
    await until(() => expect(seen!.events.data.waitingFor?.topic).toBe("review"));
    expect(seen!.workflow.data.workflow?.status).toBe("PENDING");

    await seen!.review.send({ decision: "approve", reviewer: "ada" });
    await until(() =>
      expect(seen!.workflow.done && seen!.stream.done && seen!.events.done).toBe(true),
    );
    expect(seen!.workflow.data.workflow?.status).toBe("SUCCESS");
    expect(seen!.workflow.data.waitingFor).toBeNull();
    expect(seen!.events.data.events).toMatchObject({ state: "approved", pages_reviewed: 3 });
    expect(seen!.stream.data.map((v) => v.offset)).toEqual([0, 1, 2, 3]);
    expect(seen!.review).toMatchObject({ pending: false, error: undefined });
    renderer.unmount();
  });

  it("holds an API error, and sends nothing without a workflow", async () => {
    const renderer = create(createElement(Review, { id: "react-no-such" }));
    await vi.waitFor(() => expect(seen!.workflow.error).toMatchObject({ status: 404 }));
    renderer.update(createElement(Review, { id: undefined }));
    // A new id starts over: the old error is gone.
    await vi.waitFor(() => expect(seen!.workflow).toMatchObject({ error: undefined, done: false }));
    await expect(seen!.review.send({})).rejects.toThrow("No workflow");
    renderer.unmount();
  });
});
