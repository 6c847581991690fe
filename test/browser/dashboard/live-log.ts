import { expect, it } from "vitest";
import type { DashboardStack } from "../support/dashboard-stack.js";
import { wrapLiveFeed } from "../support/live-feed.js";

/** The live log: in order, across a dropped connection and across the feed's time limit. */
export function liveLogTests(ctx: DashboardStack) {
  it("follows a streaming workflow's log, its lines in order", async () => {
    const { page, start } = ctx;
    const id = await start("streaming", 3);
    const lines = page.locator("#log li");
    await expect.poll(() => lines.count(), { timeout: 15_000 }).toBe(8);
    await expect.poll(() => page.locator("#log-source").textContent()).toMatch(/stream closed/);
    const texts = await lines.allTextContents();
    expect(texts.map((line) => line.split(" ")[0])).toEqual([
      "start",
      ...["progress", "result", "progress", "result", "progress", "result"],
      "complete",
    ]);
    expect(
      await lines.evaluateAll((items) => items.map((li) => (li as any).dataset.offset)),
    ).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(await page.locator("#log-source").textContent()).toContain(id);
  });

  it("resumes a live log after a dropped connection, without losing or repeating a line", async () => {
    const { page, start } = ctx;
    // The page's own fetch, wrapped: the first live response is cut right after its first event,
    // as a proxy or a network change would; the page must reconnect by itself.
    await wrapLiveFeed(page);
    await page.evaluate(() => {
      const w = globalThis as any;
      w.alterLive = (response: any, n: number) => {
        if (n > 1) return response;
        const reader = response.body.getReader();
        let text = "";
        const body = new w.ReadableStream({
          async pull(controller: any) {
            const { value, done } = await reader.read();
            if (done) return controller.close();
            text += new w.TextDecoder().decode(value);
            const end = text.indexOf("\n\n");
            if (end < 0) return;
            controller.enqueue(new w.TextEncoder().encode(text.slice(0, end + 2)));
            controller.error(new Error("connection dropped"));
            await reader.cancel();
          },
        });
        return new w.Response(body, { status: response.status, headers: response.headers });
      };
    });
    const id = await start("streaming", 3);
    const lines = page.locator("#log li");
    await expect
      .poll(() => page.locator("#log-source").textContent(), { timeout: 15_000 })
      .toBe(`${id}: stream closed`);
    expect(
      await lines.evaluateAll((items) => items.map((li) => (li as any).dataset.offset)),
    ).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    // Later requests, if any, are the feed's time limit.
    const requests = await page.evaluate(() => (globalThis as any).liveRequests as unknown[]);
    expect(requests.slice(0, 2)).toEqual([null, "0"]);
  });

  it("keeps a live log whole across the feed's time limit: every line once, in order", async () => {
    const { page, base, start, output } = ctx;
    // The stack's worker (the banner names its pid): frozen after the first line arrives until
    // the page has reconnected twice, so the log spans three lifetimes of its feed.
    const workerPid = Number(/Worker\s+.*pid (\d+)/.exec(output.join("\n"))?.[1]);
    expect(workerPid).toBeGreaterThan(0);
    let frozen = false;
    const freeze = (on: boolean) => {
      if (frozen !== on) process.kill(workerPid, on ? "SIGSTOP" : "SIGCONT");
      frozen = on;
    };
    // A fresh page: the previous test's fetch wrapper goes (the key stays in sessionStorage).
    await page.goto(`${base}/ui`);
    await page.exposeFunction("freezeWorker", freeze);
    await wrapLiveFeed(page);
    await page.evaluate(() => {
      const w = globalThis as any;
      w.beforeLive = async (n: number) => {
        if (n === 3) await w.freezeWorker(false);
      };
      w.alterLive = (response: any, n: number) => {
        if (n > 1) return response;
        const reader = response.body.getReader();
        const body = new w.ReadableStream({
          async pull(controller: any) {
            const { value, done } = await reader.read();
            if (done) return controller.close();
            if (new w.TextDecoder().decode(value).includes("event: value")) {
              await w.freezeWorker(true);
            }
            controller.enqueue(value);
          },
        });
        return new w.Response(body, { status: response.status, headers: response.headers });
      };
    });
    try {
      // 10 steps, 22 lines: still running when the first line has arrived.
      const id = await start("streaming", 10);
      await expect
        .poll(() => page.locator("#log-source").textContent(), { timeout: 20_000 })
        .toBe(`${id}: stream closed`);
    } finally {
      freeze(false);
    }
    const offsets = await page
      .locator("#log li")
      .evaluateAll((items) => items.map((li) => Number((li as any).dataset.offset)));
    expect(offsets).toEqual([...Array(22).keys()]);
    const requests = await page.evaluate(() => (globalThis as any).liveRequests as unknown[]);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests[0]).toBeNull();
    // The second feed was quiet (worker frozen) and ended on time; the page reconnected at once,
    // not after the second it waits when a connection drops.
    const times = await page.evaluate(() => (globalThis as any).liveRequestTimes as number[]);
    expect(times[2]! - times[1]!).toBeLessThan(1_700);
  });
}
