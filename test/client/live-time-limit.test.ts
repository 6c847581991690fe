import { createWorkflowClient, type Transport } from "@wfc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { startClientStack, type TransportKind } from "./stack.js";

// Live feeds that end by themselves (`LIVE_FEED_MAX_SECONDS`), as each Lambda invocation must.
// Its own stack: the other client scenarios run with the default limit, and these freeze the
// worker (SIGSTOP), so they run one at a time.
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

/**
 * A transport that records each live request's Last-Event-ID, and a worker that can be frozen
 * after the first value until the client has reconnected twice: the feed goes quiet across two
 * of its lifetimes, then carries the rest of the workflow's values.
 */
function pacedFeed(kind: TransportKind) {
  const inner = stack.transport(kind);
  const lastEventIds: (string | null)[] = [];
  let frozen = false;
  const thaw = () => {
    if (frozen) frozen = !stack.worker.child.kill("SIGCONT");
  };
  const fetch: Transport["fetch"] = (input, init) => {
    const request = new Request(input, init);
    if ((request.headers.get("accept") ?? "").includes("text/event-stream")) {
      lastEventIds.push(request.headers.get("last-event-id"));
      if (lastEventIds.length >= 3) thaw();
    }
    return inner.fetch(request);
  };
  return {
    client: createWorkflowClient({ ...inner, fetch }),
    lastEventIds,
    /** Freezes the worker once, while the first connection is still open. */
    freezeOnce() {
      if (lastEventIds.length === 1 && !frozen) frozen = stack.worker.child.kill("SIGSTOP");
    },
    thaw,
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
      const feed = pacedFeed(kind);
      // 10 steps (22 values): still running when the first value has arrived and the worker freezes.
      await feed.client.start("streaming", wf, { n_steps: 10 });
      const offsets: number[] = [];
      try {
        for await (const item of feed.client.followStream(wf, NO_BACKOFF)) {
          offsets.push(item.offset);
          feed.freezeOnce();
        }
      } finally {
        feed.thaw();
      }
      expect(offsets).toEqual([...Array(22).keys()]);
      expect(feed.lastEventIds.length).toBeGreaterThanOrEqual(3);
      // Each reconnection resumed after the last value delivered before it.
      expect(feed.lastEventIds[0]).toBeNull();
      const resumedAfter = feed.lastEventIds.slice(1).map(Number);
      expect(resumedAfter).toEqual([...resumedAfter].sort((a, b) => a - b));
      // The freeze made at least one resume in the middle of the stream; a feed may also end
      // between the last value (21) and the stream's close, and resume after 21.
      expect(resumedAfter[0]).toBeLessThan(21);
      expect(resumedAfter.at(-1)).toBeLessThanOrEqual(21);
    });

    it("follows events across feed lifetimes and ends with the final values", async () => {
      const wf = `limit-${kind}-events`;
      const feed = pacedFeed(kind);
      await feed.client.start("events", wf, { n_steps: 5 });
      const changes: { key: string; value: unknown }[] = [];
      try {
        for await (const change of feed.client.followEvents(wf, NO_BACKOFF)) {
          changes.push(change);
          feed.freezeOnce();
        }
      } finally {
        feed.thaw();
      }
      expect(feed.lastEventIds.length).toBeGreaterThanOrEqual(3);
      const progress = changes.filter((c) => c.key === "progress").map((c) => c.value as number);
      // Nothing repeated: each new value of a key differs from the one before it.
      expect(progress).toEqual([...new Set(progress)].sort((a, b) => a - b));
      const statuses = changes.filter((c) => c.key === "status").map((c) => c.value);
      expect(statuses.every((s, i) => i === 0 || s !== statuses[i - 1])).toBe(true);
      const final = Object.fromEntries(changes.map((c) => [c.key, c.value]));
      expect(final).toMatchObject({
        progress: 100,
        status: "completed",
        result: { total_steps: 5 },
      });
    });
  },
);
