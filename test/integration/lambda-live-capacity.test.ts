import { afterAll, beforeAll, expect, it } from "vitest";
import { API_LIVE_FUNCTION } from "../../infra/api-function.js";
import { createTestDatabase } from "../support/database.js";
import { startLambdaMode, type LambdaMode } from "../support/lambda-mode.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Live feeds on the Lambda model run in a function of their own (`ApiLive`, as infra/api.ts
// deploys them): feeds whose clients left hold their environments until the feed's own time
// limit, as on AWS, but never an environment of the short calls' function.
const LIVE_CONCURRENCY = 2;
const EXTRA_FEEDS = 2;
const FEED_SECONDS = 4;
let worker: TestWorker;
let lambda: LambdaMode;

beforeAll(async () => {
  const url = await createTestDatabase("lambda_live");
  worker = await startWorker(url);
  lambda = await startLambdaMode(url, {
    LAMBDA_CONCURRENCY: "2",
    LAMBDA_LIVE_CONCURRENCY: String(LIVE_CONCURRENCY),
    LIVE_FEED_MAX_SECONDS: String(FEED_SECONDS),
    LAMBDA_EXTRA_ENV: "LIVE_FEED_MAX_SECONDS",
  });
});
afterAll(async () => {
  await lambda?.service.stop();
  await worker?.stop();
});

const SSE = { accept: "text/event-stream" };

it("keeps /health and short calls answering while dropped live feeds fill the live function", async () => {
  const id = `live-capacity-${Date.now()}`;
  // A messaging workflow waiting for approval publishes nothing: its feeds stay quiet.
  const started = await fetch(`${lambda.gateway}/start-workflow-messaging/${id}/1`, {
    method: "POST",
  });
  expect(started.status).toBe(200);

  // N + k feeds, half at the live path, half asked for at `/all` (redirected there by `Api`),
  // each dropped once its answer started, as `curl -m 1` does.
  const openedAt = performance.now();
  const feeds = Array.from({ length: LIVE_CONCURRENCY + EXTRA_FEEDS }, async (_, i) => {
    const abort = new AbortController();
    const path = `/workflow-events/${id}/all${i % 2 ? "/live" : ""}`;
    const response = await fetch(lambda.gateway + path, { headers: SSE, signal: abort.signal });
    const status = response.status;
    const type = response.headers.get("content-type");
    abort.abort();
    return { status, type, redirected: response.redirected };
  });
  const answers = await Promise.all(feeds);
  const opened = answers.filter((a) => a.status === 200);
  expect(opened).toHaveLength(LIVE_CONCURRENCY);
  for (const feed of opened) expect(feed.type).toMatch(/text\/event-stream/);
  expect(answers.filter((a) => a.status === 429)).toHaveLength(EXTRA_FEEDS);
  expect(answers.some((a) => a.redirected)).toBe(true);

  // Every other route, /health included, answers while the feeds' environments are held.
  for (let round = 0; round < 5; round++) {
    const health = await fetch(`${lambda.gateway}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    const all = await fetch(`${lambda.gateway}/workflow-events/${id}/all`);
    expect(all.status).toBe(200);
    expect(await all.json()).toEqual({ workflow_id: id, events: {} });
    const event = await fetch(`${lambda.gateway}/workflow-events/${id}/status?timeout=0`);
    expect(event.status).toBe(404);
    await event.text();
  }
  const api = await lambda.stats();
  expect(api.throttled).toBe(0);

  // As on AWS, the function is not told that its client left: each dropped feed holds its
  // environment until the feed's own limit ends it, then the environment is free again.
  const held = await lambda.stats(API_LIVE_FUNCTION);
  expect(held.busy).toBe(LIVE_CONCURRENCY);
  await lambda.waitForStats((s) => s.busy === 0, (FEED_SECONDS + 5) * 1000, API_LIVE_FUNCTION);
  expect(performance.now() - openedAt).toBeGreaterThanOrEqual(FEED_SECONDS * 1000 - 100);
  const again = await fetch(`${lambda.gateway}/workflow-events/${id}/all/live`, { headers: SSE });
  expect(again.status).toBe(200);
  await again.body?.cancel();
}, 40_000);

it("redirects a feed asked for at a short path to its /live path, the query kept", async () => {
  const response = await fetch(`${lambda.gateway}/workflow-stream/some-id?offset=3`, {
    headers: SSE,
    redirect: "manual",
  });
  expect(response.status).toBe(307);
  // Relative: a stage prefix in front of the path stays.
  expect(response.headers.get("location")).toBe("some-id/live?offset=3");
  await response.text();
});
