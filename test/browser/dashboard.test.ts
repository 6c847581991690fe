import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { defineKind, KINDS, type AnyKind } from "@wfc/core";
import getPort from "get-port";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { dashboardKinds } from "../../functions/api/src/ui/kinds.js";
import { SCRIPT_PATH } from "../../functions/api/src/ui/page.js";
import { dashboardScript } from "../../functions/api/src/ui/script.js";

// The dashboard in a real headless Chromium (Debian's package, driven by playwright-core, which
// downloads no browser) against `npm start`'s stack with an API key configured.
const CHROMIUM = "/usr/bin/chromium";
const INSTALL = "apt-get update && apt-get install -y --no-install-recommends chromium";
const installed = existsSync(CHROMIUM);
if (!installed) {
  const why = `Chromium not found at ${CHROMIUM}: install it with \`${INSTALL}\``;
  // CI installs it (.ci/run): there, a missing browser is a failure, not a skip.
  if (process.env.CI) throw new Error(why);
  console.warn(`Skipping the dashboard's browser tests. ${why}`);
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const KEY = "dashboard-test-key";
// Live feeds end after a second (the default is 300 s), so a log spans several of them.
const LIVE_FEED_MAX_SECONDS = "1";
// With DASHBOARD_SCREENSHOT=docs, the run refreshes the README's screenshot.
const screenshotDir =
  process.env.DASHBOARD_SCREENSHOT === "docs"
    ? join(root, "docs")
    : mkdtempSync(join(tmpdir(), "wfc-dashboard-"));
const output: string[] = [];
let stack: ChildProcess;
let browser: Browser;
let page: Page;
let base: string;
/** What Chromium reported the pages' Content-Security-Policy refused, page by page. */
const refusals = new Map<Page, string[]>();

/** A fresh page whose policy refusals are recorded (Chromium logs each as a console error). */
async function openPage(options: Parameters<Browser["newPage"]>[0] = {}) {
  const opened = await browser.newPage(options);
  const refused: string[] = [];
  refusals.set(opened, refused);
  opened.on("console", (message) => {
    if (/Content Security Policy/.test(message.text())) refused.push(message.text());
  });
  return opened;
}

beforeAll(async () => {
  if (!installed) return;
  const port = await getPort();
  base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    API_KEYS: KEY,
    LIVE_FEED_MAX_SECONDS,
    LOCAL_DATABASE_PORT: String(await getPort()),
    LOCAL_DATA_DIR: join(mkdtempSync(join(tmpdir(), "wfc-ui-")), "pgdata"),
  };
  delete env.DBOS_SYSTEM_DATABASE_URL;
  stack = spawn(process.execPath, ["--import", "tsx", "tools/local-stack/start.ts"], {
    cwd: root,
    env,
  });
  createInterface({ input: stack.stderr! }).on("line", (line) => output.push(line));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: stack.stdout! }).on("line", (line) => {
      output.push(line);
      if (line.startsWith("Stack ready")) resolve();
    });
    stack.once("exit", (code) =>
      reject(new Error(`npm start exited with ${code}:\n${output.join("\n")}`)),
    );
  });
  const launched = chromium.launch({
    executablePath: CHROMIUM,
    // The network here is closed: without the background-networking flags Chromium's own
    // connections are refused and slow its start. launch() gives each run a fresh temporary
    // profile (user-data-dir) of its own.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  [browser] = await Promise.all([launched, ready]);
  page = await openPage({ viewport: { width: 1100, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (!stack || stack.exitCode !== null) return;
  // SIGTERM, as Ctrl-C: the stack stops its worker, API and PostgreSQL. SIGKILL would orphan them.
  const exited = new Promise((resolve) => stack.once("exit", resolve));
  stack.kill("SIGTERM");
  await exited;
}, 30_000);

const start = async (kind: string, steps: number) => {
  await page.getByLabel("Kind").selectOption(kind);
  await page.getByLabel("Steps").fill(String(steps));
  const notice = page.getByRole("status");
  // The notice may still name the previous workflow of this kind: wait for a new one.
  const before = await notice.textContent();
  await page.getByRole("button", { name: "Start" }).click();
  await expect
    .poll(async () => {
      const text = (await notice.textContent()) ?? "";
      return text !== before && text.startsWith(`Started ${kind}-`);
    })
    .toBe(true);
  return (await notice.textContent())!.replace("Started ", "");
};

const startable = (KINDS as readonly AnyKind[]).filter((kind) => kind.startable);

// Declared here only, so the stack has no route for it: what the page makes of a kind the seed
// does not have (two parameters of different types, a label for one).
const survey = defineKind({
  name: "survey",
  workflowName: "survey_workflow",
  summary: "A kind the stack does not declare",
  params: z.object({
    region: z.string().min(2).max(12),
    copies: z.coerce.number().int().min(2).max(5),
  }),
  example: { region: "eu west/1", copies: 3 },
  answer: z.object({}),
  respond: () => ({}),
  dashboard: { labels: { copies: "Copies" } },
});

/** The declared kinds plus `survey`, and messaging with a third button that also approves. */
function alteredKinds() {
  const escalate = {
    label: "Escalate",
    topic: "notification",
    message: { approved: true, escalated: true },
    done: "Escalated",
  };
  return dashboardKinds(
    [...startable, survey].map((kind) =>
      kind.name === "messaging"
        ? {
            ...kind,
            dashboard: { ...kind.dashboard, actions: [...kind.dashboard!.actions!, escalate] },
          }
        : kind,
    ),
  );
}

describe.skipIf(!installed)("the dashboard at /ui, in Chromium", () => {
  it("loads without a key, asks for one when the API requires it, then lists workflows", async () => {
    await page.goto(`${base}/ui`);
    await expect.poll(() => page.getByText("This API requires a key.").isVisible()).toBe(true);
    await page.getByLabel("API key", { exact: true }).fill(KEY);
    await page.getByRole("button", { name: "Use key" }).click();
    await expect
      .poll(() => page.getByRole("region", { name: "API key required" }).isVisible())
      .toBe(false);
    await expect
      .poll(() => page.getByRole("columnheader", { name: "Kind" }).isVisible())
      .toBe(true);
  });

  it("starts an events workflow and shows its bar reaching 100 % and completed", async () => {
    const id = await start("events", 3);
    const bar = page.getByRole("progressbar", { name: `Progress of ${id}` });
    await expect.poll(() => bar.getAttribute("aria-valuenow"), { timeout: 20_000 }).toBe("100");
    const item = page.locator("#progress li", { has: bar });
    await expect.poll(() => item.locator(".status").textContent()).toBe("completed");
    const fill = await bar.locator("div").evaluate((node) => (node as any).style.width as string);
    expect(fill).toBe("100%");
    const row = page.getByRole("row", { name: new RegExp(id) });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain("SUCCESS");
  });

  it("lists a waiting messaging workflow and approves it with a message, from the keyboard", async () => {
    const id = await start("messaging", 2);
    const approve = page.getByRole("button", { name: `Approve ${id}` });
    await expect.poll(() => approve.isVisible(), { timeout: 10_000 }).toBe(true);
    await page.locator(`#approvals li[data-id="${id}"]`).getByLabel("Message").fill("ship it");
    await approve.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("status").textContent()).toBe(`Approved ${id}`);
    const row = page.getByRole("row", { name: new RegExp(id) });
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("SUCCESS");
    expect(await approve.count()).toBe(0);
  });

  it("follows a streaming workflow's log, its lines in order", async () => {
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
    // The page's own fetch, wrapped: the first live response is cut right after its first event,
    // as a proxy or a network change would; the page must reconnect by itself.
    await page.evaluate(() => {
      const w = globalThis as any;
      const original = w.fetch.bind(w);
      // The log's feed, whatever its query (?key=); not the events feed (`/all/live`).
      const isLive = (input: string) =>
        /^\/workflow-stream\/.*\/live$/.test(new w.URL(String(input), w.location.href).pathname);
      w.liveRequests = [];
      w.fetch = async (input: string, init: any) => {
        const response = await original(input, init);
        if (!isLive(input)) return response;
        w.liveRequests.push(init.headers["last-event-id"] ?? null);
        if (w.liveRequests.length > 1) return response;
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
    await page.evaluate(() => {
      const w = globalThis as any;
      const original = w.fetch.bind(w);
      // The log's feed, whatever its query (?key=); not the events feed (`/all/live`).
      const isLive = (input: string) =>
        /^\/workflow-stream\/.*\/live$/.test(new w.URL(String(input), w.location.href).pathname);
      w.liveRequests = [];
      w.liveRequestTimes = [];
      w.fetch = async (input: string, init: any) => {
        if (!isLive(input)) return original(input, init);
        w.liveRequests.push(init.headers["last-event-id"] ?? null);
        w.liveRequestTimes.push(w.performance.now());
        if (w.liveRequests.length === 3) await w.freezeWorker(false);
        const response = await original(input, init);
        if (w.liveRequests.length > 1) return response;
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

  it("offers every kind a user can start, with one input per start parameter, labelled as declared", async () => {
    await page.goto(`${base}/ui`);
    const kindSelect = page.getByLabel("Kind");
    const options = await kindSelect
      .locator("option")
      .evaluateAll((items) => items.map((option) => (option as any).value as string));
    expect(options).toEqual(startable.map((kind) => kind.name));
    for (const kind of startable) {
      await kindSelect.selectOption(kind.name);
      const labels: Record<string, string | undefined> = kind.dashboard?.labels ?? {};
      const params = Object.keys(kind.params.shape);
      expect(await page.locator("#start-inputs label").allTextContents()).toEqual(
        params.map((param) => labels[param] ?? param),
      );
      for (const param of params) {
        const field = page.getByLabel(labels[param] ?? param, { exact: true });
        expect(await field.getAttribute("name")).toBe(param);
      }
    }
    // The bounds and defaults come with the description the script embeds.
    expect(await page.evaluate("KINDS")).toEqual(dashboardKinds());
    expect(await page.getByLabel("Steps").getAttribute("max")).toBe("20");
  });

  it("shows a kind as declared: a new kind's own inputs and start path, a new action's message and notice", async () => {
    const script = dashboardScript(alteredKinds());
    await page.route(`${base}${SCRIPT_PATH}`, (route) =>
      route.fulfill({ contentType: "text/javascript; charset=utf-8", body: script }),
    );
    try {
      await page.goto(`${base}/ui`);
      await page.getByLabel("Kind").selectOption("survey");
      expect(await page.locator("#start-inputs label").allTextContents()).toEqual([
        "region",
        "Copies",
      ]);
      const copies = page.getByLabel("Copies");
      expect(await copies.getAttribute("min")).toBe("2");
      expect(await copies.getAttribute("max")).toBe("5");
      expect(await copies.inputValue()).toBe("3");
      expect(await page.getByLabel("region").inputValue()).toBe("eu west/1");
      const started = page.waitForRequest((r) => r.url().includes("/start-workflow-survey/"));
      await page.getByRole("button", { name: "Start" }).click();
      expect(new URL((await started).url()).pathname).toMatch(
        /^\/start-workflow-survey\/survey-[0-9a-z]+\/eu%20west%2F1\/3$/,
      );
      // The stack has no such kind: its answer is shown.
      await expect.poll(() => page.getByRole("status").textContent()).toMatch(/^Could not start/);

      const id = await start("messaging", 1);
      const escalate = page.getByRole("button", { name: `Escalate ${id}` });
      await expect.poll(() => escalate.isVisible(), { timeout: 10_000 }).toBe(true);
      const sent = page.waitForRequest((r) => r.url().includes(`/send-message/${id}`));
      await escalate.click();
      const request = await sent;
      expect(new URL(request.url()).search).toBe("?topic=notification");
      expect(request.postDataJSON()).toEqual({ approved: true, escalated: true });
      await expect.poll(() => page.getByRole("status").textContent()).toBe(`Escalated ${id}`);
      const row = page.getByRole("row", { name: new RegExp(id) });
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("SUCCESS");
    } finally {
      await page.unroute(`${base}${SCRIPT_PATH}`);
      await page.goto(`${base}/ui`);
    }
  });

  it("fits a phone's width, and the key never reaches a log", async () => {
    // A messaging workflow left waiting, so the screenshot shows every panel.
    await start("messaging", 1);
    await page.waitForTimeout(2_500);
    mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, "dashboard.png"), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(
      () => (globalThis as any).document.documentElement.scrollWidth as number,
    );
    expect(overflow).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(screenshotDir, "dashboard-phone.png"), fullPage: true });
    expect(output.join("\n")).not.toContain(KEY);
    console.log(`dashboard screenshot: ${join(screenshotDir, "dashboard.png")}`);
  });

  it("did all of the above without one refusal of its Content-Security-Policy", () => {
    expect(refusals.get(page)).toEqual([]);
  });
});

describe.skipIf(!installed)("the pages' Content-Security-Policy, in Chromium", () => {
  it("keeps scripts out of the dashboard unless they are its own file: injected ones do not run", async () => {
    const ui = await openPage();
    try {
      const response = await ui.goto(`${base}/ui`);
      const policy = response!.headers()["content-security-policy"] ?? "";
      expect(policy).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(policy).toMatch(/(^|; )object-src 'none'(;|$)/);
      expect(policy).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
      expect(policy).not.toContain("unsafe");
      expect(response!.headers()).toMatchObject({
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      });
      await expect.poll(() => ui.getByText("This API requires a key.").isVisible()).toBe(true);
      const attempt = await ui.evaluate(async () => {
        const w = globalThis as any;
        const refused: string[] = [];
        w.document.addEventListener("securitypolicyviolation", (event: any) =>
          refused.push(event.effectiveDirective),
        );
        const script = w.document.createElement("script");
        script.textContent = "window.injected = 'script'";
        w.document.body.append(script);
        const holder = w.document.createElement("div");
        holder.innerHTML = `<img src="/ui/missing.png" onerror="window.injected = 'handler'">`;
        w.document.body.append(holder);
        // Violations are reported as tasks of their own: wait until both have been.
        while (refused.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
        return { injected: w.injected ?? null, refused: refused.sort() };
      });
      expect(attempt).toEqual({ injected: null, refused: ["script-src-attr", "script-src-elem"] });
    } finally {
      await ui.close();
    }
  });

  it("serves the docs page whole from its own origin, without a refusal", async () => {
    const docs = await openPage();
    const origins = new Set<string>();
    docs.on("request", (request) => origins.add(new URL(request.url()).origin));
    try {
      const response = await docs.goto(`${base}/docs`);
      expect(response!.headers()["content-security-policy"]).toMatch(/script-src 'self'(;|$)/);
      const operation = docs.getByText("/start-workflow-events/{workflow_id}/{n_steps}").first();
      await expect.poll(() => operation.isVisible(), { timeout: 20_000 }).toBe(true);
      expect(refusals.get(docs)).toEqual([]);
      expect([...origins]).toEqual([base]);
    } finally {
      await docs.close();
    }
  });
});
