import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import getPort from "get-port";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";

// The dashboard in a real headless Chromium (Debian's package, driven by playwright-core, which
// downloads no browser) against `npm start`'s stack with an API key configured.
const CHROMIUM = "/usr/bin/chromium";
const INSTALL = "apt-get update && apt-get install -y --no-install-recommends chromium";
export const installed = existsSync(CHROMIUM);
if (!installed) {
  const why = `Chromium not found at ${CHROMIUM}: install it with \`${INSTALL}\``;
  // CI installs it (.ci/run): there, a missing browser is a failure, not a skip.
  if (process.env.CI) throw new Error(why);
  console.warn(`Skipping the browser tests (the dashboard's, the web app example's). ${why}`);
}

export const root = fileURLToPath(new URL("../../../", import.meta.url));
export const KEY = "dashboard-test-key";
// Live feeds end after a second (the default is 300 s), so a log spans several of them.
const LIVE_FEED_MAX_SECONDS = "1";

/** What the tests share: the stack, the browser, the page they drive, and what was logged. */
export interface DashboardStack {
  /** The stack's API, e.g. http://127.0.0.1:PORT. */
  base: string;
  stack: ChildProcess;
  browser: Browser;
  /** The page every test of the dashboard drives, in turn. */
  page: Page;
  /** Every line the stack printed. */
  output: string[];
  /** What Chromium reported the pages' Content-Security-Policy refused, page by page. */
  refusals: Map<Page, string[]>;
  /** A fresh page whose policy refusals are recorded (Chromium logs each as a console error). */
  openPage(options?: Parameters<Browser["newPage"]>[0]): Promise<Page>;
  /** Starts a workflow from the page's form; its ID, once the notice names it. */
  start(kind: string, steps: number): Promise<string>;
}

/** What a test file adds to the stack's environment (CORS_ORIGINS, TOKEN_KEYS, ...). */
export interface StackOptions {
  /** Settings of the stack's, asked for in `beforeAll` (so they may name ports found then). */
  env?: () => Promise<NodeJS.ProcessEnv>;
}

/**
 * Starts `npm start`'s stack (API_KEYS set, and `options.env`) and Chromium before the file's
 * tests, stops them after: the fields are set once `beforeAll` has run.
 */
export function dashboardStack(options: StackOptions = {}): DashboardStack {
  const output: string[] = [];
  const refusals = new Map<Page, string[]>();
  const ctx = { output, refusals } as unknown as DashboardStack;
  ctx.openPage = async (options = {}) => {
    const opened = await ctx.browser.newPage(options);
    const refused: string[] = [];
    refusals.set(opened, refused);
    opened.on("console", (message) => {
      if (/Content Security Policy/.test(message.text())) refused.push(message.text());
    });
    return opened;
  };
  beforeAll(async () => {
    if (!installed) return;
    const port = await getPort();
    ctx.base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      API_KEYS: KEY,
      LIVE_FEED_MAX_SECONDS,
      LOCAL_DATABASE_PORT: String(await getPort()),
      // Ports of their own: left to their defaults (8001-8003), two stacks starting at once
      // (this file's and another's, in parallel) both find one free and one fails to listen.
      HEALTH_PORT: String(await getPort()),
      LAMBDA_PORT: String(await getPort()),
      RELAY_PORT: String(await getPort()),
      LOCAL_DATA_DIR: join(mkdtempSync(join(tmpdir(), "wfc-ui-")), "pgdata"),
      ...(await options.env?.()),
    };
    delete env.DBOS_SYSTEM_DATABASE_URL;
    const stack = spawn(process.execPath, ["--import", "tsx", "tools/local-stack/start.ts"], {
      cwd: root,
      env,
    });
    ctx.stack = stack;
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
    [ctx.browser] = await Promise.all([launched, ready]);
    ctx.page = await ctx.openPage({ viewport: { width: 1100, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await ctx.browser?.close();
    const { stack } = ctx;
    if (!stack || stack.exitCode !== null) return;
    // SIGTERM, as Ctrl-C: the stack stops its worker, API and PostgreSQL. SIGKILL would orphan them.
    const exited = new Promise((resolve) => stack.once("exit", resolve));
    stack.kill("SIGTERM");
    await exited;
  }, 30_000);

  ctx.start = async (kind: string, steps: number) => {
    const { page } = ctx;
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
  return ctx;
}
