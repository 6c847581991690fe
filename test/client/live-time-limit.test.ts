import { createWorkflowClient, type Transport } from "@wfc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { startClientStack, type TransportKind } from "./stack.js";

// Live feeds that end by themselves (`LIVE_FEED_MAX_SECONDS`), as each Lambda invocation must.
// Its own stack: the other client scenarios run with the default limit.
const LIMIT_SECONDS = 0.5;
let stack: Awaited<ReturnType<typeof startClientStack>>;

beforeAll(async () => {
  stack = await startClientStack(await createTestDatabase("client_limit"), {
    LIVE_FEED_MAX_SECONDS: String(LIMIT_SECONDS),
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** The pages of each review: values written before it waits for its reviewer. */
const PAGES = 5;

/**
 * A transport that records each live request's Last-Event-ID, and a document review that checks
 * its pages, then waits for its reviewer until the client has reconnected twice: the feed goes
 * quiet across two of its lifetimes in the middle of the workflow's values, then carries the
 * rest. (A wait, not a worker frozen after the first value: on a loaded machine a workflow of
 * fast steps could finish before its first value reached the client.)
 */
function pacedFeed(kind: TransportKind, workflowId: string) {
  const inner = stack.transport(kind);
  const lastEventIds: (string | null)[] = [];
  let decided: Promise<unknown> | undefined;
  const fetch: Transport["fetch"] = (input, init) => {
    const request = new Request(input, init);
    if ((request.headers.get("accept") ?? "").includes("text/event-stream")) {
      lastEventIds.push(request.headers.get("last-event-id"));
      decided ??=
        lastEventIds.length >= 3
          ? createWorkflowClient(inner).sendMessage(
              workflowId,
              { decision: "approve", reviewer: "ada" },
              { topic: "review" },
            )
          : undefined;
    }
    return inner.fetch(request);
  };
  return {
    client: createWorkflowClient({ ...inner, fetch }),
    lastEventIds,
    /** The decision's send, once made: it must have been delivered. */
    decided: () => decided,
  };
}

// A reconnect counted as a failure would wait a minute (and time the test out): none may.
const NO_BACKOFF = { retryDelayMs: 60_000 };

describe.each<TransportKind>(["http", "lambda"])(
  "the typed client over %s, with live feeds limited to 0.5 s",
  (kind) => {
    beforeAll(async () => {
      // A first feed must not pay a cold start (on Lambda, of the live-feed function's first
      // environment): each workflow below must still run when its first value arrives.
      const client = createWorkflowClient(stack.transport(kind));
      await client
        .followStream("warm-up")
        .next()
        .catch(() => {});
    });

    it("follows a stream across feed lifetimes: every value once, in order", async () => {
      const wf = `limit-${kind}-stream`;
      const feed = pacedFeed(kind, wf);
      // A page_checked record per page, then (once decided) the decision: PAGES + 1 values.
      await feed.client.start("document-review", wf, { pages: PAGES });
      const offsets: number[] = [];
      for await (const item of feed.client.followStream(wf, { ...NO_BACKOFF, key: "audit_log" }))
        offsets.push(item.offset);
      await feed.decided();
      expect(offsets).toEqual([...Array(PAGES + 1).keys()]);
      expect(feed.lastEventIds.length).toBeGreaterThanOrEqual(3);
      // Each reconnection resumed after the last value delivered before it.
      expect(feed.lastEventIds[0]).toBeNull();
      const resumedAfter = feed.lastEventIds.slice(1).map(Number);
      expect(resumedAfter).toEqual([...resumedAfter].sort((a, b) => a - b));
      // The wait made at least one resume in the middle of the stream; a feed may also end
      // between the last value and the stream's close, and resume after it.
      expect(resumedAfter[0]).toBeLessThan(PAGES);
      expect(resumedAfter.at(-1)).toBeLessThanOrEqual(PAGES);
    });

    it("follows events across feed lifetimes and ends with the final values", async () => {
      const wf = `limit-${kind}-events`;
      const feed = pacedFeed(kind, wf);
      await feed.client.start("document-review", wf, { pages: PAGES });
      const changes: { key: string; value: unknown }[] = [];
      for await (const change of feed.client.followEvents(wf, NO_BACKOFF)) changes.push(change);
      await feed.decided();
      expect(feed.lastEventIds.length).toBeGreaterThanOrEqual(3);
      const progress = changes.filter((c) => c.key === "progress").map((c) => c.value as number);
      // Nothing repeated: each new value of a key differs from the one before it.
      expect(progress).toEqual([...new Set(progress)].sort((a, b) => a - b));
      const states = changes.filter((c) => c.key === "state").map((c) => c.value);
      expect(states.every((s, i) => i === 0 || s !== states[i - 1])).toBe(true);
      const final = Object.fromEntries(changes.map((c) => [c.key, c.value]));
      expect(final).toMatchObject({ progress: 100, pages_reviewed: PAGES, state: "approved" });
    });
  },
);
