import { newTokenKey } from "@wfc/tokens";
import getPort from "get-port";
import type { Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { dashboardStack, installed, KEY } from "./support/dashboard-stack.js";
import { startWebApp, webAppBackend } from "./support/web-app.js";

// The web app example (examples/web-app) as its user meets it: `npm start` with CORS_ORIGINS and
// TOKEN_KEYS, the example's backend on another port (another origin) with the same TOKEN_KEYS,
// its page in Chromium. Tokens live 32 s: the hooks renew them 30 s before expiry, so a renewal
// through getToken happens 2 s after each mint, within the test.
const TOKEN_KEYS = newTokenKey("web-app-test");
const TOKEN_TTL_SECONDS = "32";
const PAGES = 6;
let examplePort = 0;

const ctx = dashboardStack({
  env: async () => {
    examplePort = await getPort();
    return { CORS_ORIGINS: `http://127.0.0.1:${examplePort}`, TOKEN_KEYS };
  },
});
const example = webAppBackend(
  () => ({
    port: examplePort,
    settings: {
      API_URL: ctx.base,
      API_KEYS: KEY,
      TOKEN_KEYS,
      TOKEN_TTL_SECONDS,
      REVIEW_PAGES: String(PAGES),
    },
  }),
  !installed,
);

/** When the Approve button first appears, by the page's clock (the machine's, as the API's). */
const RECORD_APPROVE_SHOWN = `new MutationObserver(() => {
  const buttons = [...document.querySelectorAll("button")];
  if (buttons.some((b) => b.textContent === "Approve")) globalThis.approveShownAt ??= Date.now();
}).observe(document, { childList: true, subtree: true });`;

/** The API, as the example's backend and an operator reach it: with the key. */
const withKey = async (path: string) => {
  const response = await fetch(ctx.base + path, { headers: { authorization: `Bearer ${KEY}` } });
  return (await response.json()) as Record<string, any>;
};

/** The claims of a JWT, read without verifying it (the API verified it). */
const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as { sub: string };

describe.skipIf(!installed)("the web app example, in Chromium, cross-origin", () => {
  it("shows a review's progress and audit log live, and approves it with its token alone", async () => {
    const page = await ctx.openPage();
    const requests: Request[] = [];
    page.on("request", (request) => requests.push(request));
    await page.addInitScript(RECORD_APPROVE_SHOWN);
    await page.goto(example.origin);
    await page.getByRole("button", { name: "Start a review" }).click();
    await page.waitForURL(/\?review=review-/);
    const id = new URL(page.url()).searchParams.get("review")!;

    const progressbar = page.getByRole("progressbar", { name: "Progress" });
    await expect.poll(() => progressbar.getAttribute("value"), { timeout: 15_000 }).toBe("100");
    const log = page.getByRole("list", { name: "Audit log" }).getByRole("listitem");
    await expect.poll(() => log.count()).toBeGreaterThanOrEqual(PAGES);
    expect(await log.first().textContent()).toBe(`Page 1 of ${PAGES} checked`);
    expect(await log.nth(PAGES - 1).textContent()).toBe(`Page ${PAGES} of ${PAGES} checked`);

    // The buttons appear once the workflow waits on `review`, and not before the wait began.
    const approve = page.getByRole("button", { name: "Approve" });
    await approve.waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByLabel("State").textContent()).toBe("waiting_for_reviewer");
    const { waiting_for } = await withKey(`/workflows/${id}`);
    expect(waiting_for.topic).toBe("review");
    const shownAt = await page.evaluate(() => (globalThis as any).approveShownAt as number);
    expect(shownAt).toBeGreaterThanOrEqual(Date.parse(waiting_for.since));

    // While it waits, the live feeds reconnect (each second, LIVE_FEED_MAX_SECONDS) and the
    // token is renewed through the backend: the API sees more than one token.
    const bearers = () =>
      Promise.all(
        requests
          .filter((r) => r.url().startsWith(ctx.base))
          .map(async (r) => (await r.allHeaders()).authorization ?? ""),
      );
    await expect
      .poll(async () => new Set(await bearers()).size, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);

    await approve.click();
    await expect.poll(() => page.getByLabel("State").textContent()).toBe("approved");
    await approve.waitFor({ state: "detached" });
    await expect.poll(() => log.last().textContent()).toBe("Decision: approve by Ada");
    await expect
      .poll(async () => (await withKey(`/workflows/${id}`)).status, { timeout: 15_000 })
      .toBe("SUCCESS");
    const workflow = await withKey(`/workflows/${id}`);
    expect(workflow.output).toMatchObject({ outcome: "approved", reviewer: "Ada" });
    expect(workflow.waiting_for).toBeNull();

    // Every request to the API went cross-origin with a token for this review, never the key.
    const toApi = requests.filter((r) => r.url().startsWith(ctx.base));
    expect(toApi.map((r) => r.method())).toContain("POST"); // the decision
    expect(example.output.filter((line) => /warning/i.test(line))).toEqual([]);
    for (const request of toApi) {
      const headers = await request.allHeaders();
      expect(headers.origin).toBe(example.origin);
      const [scheme, token] = (headers.authorization ?? "").split(" ");
      expect(scheme).toBe("Bearer");
      expect(claims(token!).sub).toBe(id);
      const response = await request.response();
      if (response) expect(response.headers()["access-control-allow-origin"]).toBe(example.origin);
    }
    for (const request of requests) {
      expect(request.url()).not.toContain(KEY);
      expect(JSON.stringify(await request.allHeaders())).not.toContain(KEY);
    }
    // Nor does what the backend serves hold the key or the signing secret.
    const secret = TOKEN_KEYS.split(":")[1]!;
    for (const path of ["/", "/app.js"]) {
      const served = await (await fetch(example.origin + path)).text();
      expect(served).not.toContain(KEY);
      expect(served).not.toContain(secret);
    }
    // The backend was asked for a token more than once: the renewal went through getToken.
    const minted = requests.filter((r) => r.url() === `${example.origin}/reviews/${id}/token`);
    expect(minted.length).toBeGreaterThanOrEqual(2);
    await page.close();
  }, 60_000);

  it("reaches nothing but its review with the page's token; the backend mints none for another's", async () => {
    const other = `other-${Date.now().toString(36)}`;
    const started = await fetch(`${ctx.base}/start-workflow-events/${other}/1`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(started.status).toBe(200);

    const page = await ctx.openPage();
    await page.goto(example.origin);
    await page.getByRole("button", { name: "Start a review" }).click();
    await page.waitForURL(/\?review=review-/);
    const id = new URL(page.url()).searchParams.get("review")!;

    // From the page's own context, as a script on it could: its backend's token, used on the API.
    const answers = await page.evaluate(
      async ({ api, id, other }) => {
        const minted = await fetch(`/reviews/${id}/token`, { method: "POST" });
        const { token } = (await minted.json()) as { token: string };
        const get = async (path: string, auth = `Bearer ${token}`) => {
          const response = await fetch(api + path, { headers: { authorization: auth } });
          return { status: response.status, detail: ((await response.json()) as any).detail };
        };
        const notMine = await fetch(`/reviews/${other}/token`, { method: "POST" });
        return {
          own: (await get(`/workflows/${id}`)).status,
          other: await get(`/workflows/${other}`),
          otherEvents: (await get(`/workflow-events/${other}/all`)).status,
          list: (await get("/workflows")).status,
          outOfScope: (await get(`/workflow-events/${id}/pages_reviewed?timeout=1`)).status,
          anonymous: (await get(`/workflows/${id}`, "")).status,
          backend: { status: notMine.status, detail: ((await notMine.json()) as any).detail },
        };
      },
      { api: ctx.base, id, other },
    );
    expect(answers).toEqual({
      own: 200,
      other: { status: 403, detail: "This token is for another workflow" },
      otherEvents: 403,
      list: 403,
      outOfScope: 403,
      anonymous: 401,
      backend: { status: 403, detail: `Review '${other}' is not yours` },
    });
    await page.close();
  }, 60_000);

  it("says at start-up, with the fix, when the API refuses its tokens or its page's origin", async () => {
    const port = await getPort();
    const stranger = await startWebApp(port, {
      API_URL: ctx.base,
      API_KEYS: KEY,
      TOKEN_KEYS: newTokenKey("another"),
    });
    await stranger.stop();
    expect(stranger.output.filter((line) => line.startsWith("Warning"))).toEqual([
      "Warning: the API refuses this example's tokens (Token key id (kid) is unknown): start npm start with the same TOKEN_KEYS",
      `Warning: the API allows none of http://localhost:${port}, http://127.0.0.1:${port}: start npm start with CORS_ORIGINS=http://localhost:${port}`,
    ]);
  }, 30_000);
});
