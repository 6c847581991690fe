import type { Page } from "playwright-core";

/**
 * Wraps the page's own fetch for the log's live feed (`/workflow-stream/{id}/live`, whatever its
 * query; not the events feed, `/all/live`): records each request's Last-Event-ID in the page's
 * `liveRequests` and its time in `liveRequestTimes`; the page's `beforeLive(n)`, when set, runs
 * before the n-th request is sent, and its `alterLive(response, n)` may stand in for its answer.
 * A navigation removes the wrapper.
 */
export async function wrapLiveFeed(page: Page) {
  await page.evaluate(() => {
    const w = globalThis as any;
    const original = w.fetch.bind(w);
    const isLive = (input: string) =>
      /^\/workflow-stream\/.*\/live$/.test(new w.URL(String(input), w.location.href).pathname);
    w.liveRequests = [];
    w.liveRequestTimes = [];
    w.fetch = async (input: string, init: any) => {
      if (!isLive(input)) return original(input, init);
      w.liveRequests.push(init.headers["last-event-id"] ?? null);
      w.liveRequestTimes.push(w.performance.now());
      const n = w.liveRequests.length;
      if (w.beforeLive) await w.beforeLive(n);
      const response = await original(input, init);
      return w.alterLive ? w.alterLive(response, n) : response;
    };
  });
}
