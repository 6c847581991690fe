import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createBrowserClient } from "@wfc/browser";
import { mintLink, newTokenKey, parseKeyRing } from "@wfc/tokens";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DocumentReviewOutput } from "../../packages/core/src/kinds/document-review.js";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Approval links end to end on a real worker and the real app: minted with the API key, opened
// and answered with nothing but the link, as a person's browser does (a form, no script), and as
// a program does (Accept: application/json). Every refusal delivers nothing.

const KEY = "approval-links-test-key-0123456789";
const ringText = newTokenKey("k1");
const ring = parseKeyRing(ringText);
/** Where the worker says the API is: the links it mints inside workflows start with it. */
const PUBLIC_API_URL = "https://api.example.com/stage";
const run = Date.now();
const id = (name: string) => `link-${name}-${run}`;
const authorized = { authorization: `Bearer ${KEY}` };
const json = { accept: "application/json" };
/** A form post's body and type, with `headers` besides. */
const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
});

let worker: TestWorker;
let api: ReturnType<typeof createTestApi>;
const logged: string[] = [];

/** A request to the in-process app, with a body as given. */
type Answer = Omit<Response, "json"> & { json(): Promise<any> };
const request = async (path: string, init: RequestInit = {}): Promise<Answer> =>
  api.app.request(path, init);

/** The browser client over the in-process app with the API key, for live waits. */
const client = () =>
  createBrowserClient({
    baseUrl: "http://api.test",
    token: KEY,
    fetch: async (input, init) => api.app.request(new Request(input, init)),
  });

/** Starts a review and returns once it waits on `review` (what a link page calls "asking"). */
async function waitingReview(name: string) {
  const workflowId = id(name);
  const start = await request(`/start-workflow-document-review/${workflowId}/2`, {
    method: "POST",
    headers: authorized,
  });
  expect(start.status).toBe(200);
  // The feed runs until `onWaitingFor` says the review waits; then it is stopped.
  const stop = new AbortController();
  const waiting = new Promise<void>((resolve) => {
    const feed = client().followEvents(workflowId, {
      signal: stop.signal,
      onWaitingFor: (waitingFor) => waitingFor?.topic === "review" && resolve(),
    });
    void drain(feed).catch(() => stop.signal.aborted);
  });
  await waiting;
  stop.abort();
  return workflowId;
}

/** Reads a feed to its end. */
async function drain(feed: AsyncIterable<unknown>) {
  const iterator = feed[Symbol.asyncIterator]();
  while (!(await iterator.next()).done);
}

/** The review's outcome once it has ended (the live feed ends with the workflow). */
async function outcome(workflowId: string) {
  await drain(client().followEvents(workflowId));
  const summary = await (await request(`/workflows/${workflowId}`, { headers: authorized })).json();
  return summary as { status: string; output: DocumentReviewOutput };
}

async function mint(
  workflowId: string,
  body: Record<string, unknown> = { topic: "review" },
): Promise<{ status: number; body: any }> {
  const response = await request(`/workflows/${workflowId}/links`, {
    method: "POST",
    headers: { ...authorized, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A link's path, minted (201 asserted). */
async function linkFor(workflowId: string, body?: Record<string, unknown>): Promise<string> {
  const minted = await mint(workflowId, body);
  expect(minted.status).toBe(201);
  return minted.body.path;
}

/** The review's audit log. */
async function auditLog(workflowId: string) {
  const response = await request(`/workflow-stream/${workflowId}?key=audit_log`, {
    headers: authorized,
  });
  return ((await response.json()) as { stream_values: Record<string, unknown>[] }).stream_values;
}

/** The audit log's decisions and ignored messages: what reached the workflow. */
async function received(workflowId: string) {
  const log = await auditLog(workflowId);
  return log.filter((r) => r.type === "decision" || r.type === "ignored_message");
}

/**
 * REVIEW_NOTIFY_URL's receiver: what each review posted, by workflow ID. A review whose ID says
 * `notify-fails` is answered 500, as a chat that is down.
 */
type Notice = Record<string, string>;
const posted = new Map<string, { promise: Promise<Notice>; resolve: (notice: Notice) => void }>();
const postedFor = (workflowId: string) => {
  if (!posted.has(workflowId)) {
    let resolve!: (notice: Notice) => void;
    const promise = new Promise<Notice>((r) => (resolve = r));
    posted.set(workflowId, { promise, resolve });
  }
  return posted.get(workflowId)!;
};
const notifier = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", () => {
    const json = JSON.parse(body) as Record<string, string>;
    const fails = json.workflow_id!.includes("notify-fails");
    res.writeHead(fails ? 500 : 204).end();
    if (!fails) postedFor(json.workflow_id!).resolve(json);
  });
});

beforeAll(async () => {
  const url = await createTestDatabase("links");
  await new Promise<void>((resolve) => notifier.listen(0, "127.0.0.1", resolve));
  const { port } = notifier.address() as AddressInfo;
  worker = await startWorker(url, {
    TOKEN_KEYS: ringText,
    PUBLIC_API_URL,
    REVIEW_NOTIFY_URL: `http://127.0.0.1:${port}/notify`,
  });
  api = createTestApi(url, { apiKeys: [KEY], tokenKeys: ring, log: (line) => logged.push(line) });
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  notifier.close();
});

describe("an approval link, answered by a person", () => {
  it("shows the question, the workflow's summary and one button per choice, in a page without script", async () => {
    const wf = await waitingReview("page");
    const minted: { status: number; body: any } = await mint(wf, {
      topic: "review",
      recipient: "ada@example.com",
    });
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({
      workflow_id: wf,
      topic: "review",
      choices: ["approve", "request_changes"],
      recipient: "ada@example.com",
      url: `http://localhost${minted.body.path}`,
    });
    expect(minted.body.path).toMatch(/^\/links\/[\w-]+\.[\w-]+\.[\w-]+$/);

    // No key: the link is the credential.
    const page = await request(minted.body.path);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'none'");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).toContain("<h1>Approve this document?</h1>");
    expect(html).toContain("All 2 page(s) were checked");
    expect(html).toContain("For ada@example.com.");
    expect(html).toMatch(/<form method="post">/);
    expect(html).toContain('<label for="note">');
    expect(html).toMatch(
      /<button type="submit" name="choice" value="approve"[^>]*>Approve<\/button>/,
    );
    expect(html).toMatch(/name="choice" value="request_changes" class="reject">Request changes</);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("is not asking yet");

    const view = await request(minted.body.path, { headers: json });
    expect(await view.json()).toEqual({
      workflow_id: wf,
      topic: "review",
      question: "Approve this document?",
      summary: "All 2 page(s) were checked; the review waits for your decision.",
      choices: [
        { name: "approve", label: "Approve" },
        { name: "request_changes", label: "Request changes", reject: true },
      ],
      recipient: "ada@example.com",
      expires_at: minted.body.expires_at,
      waiting: true,
    });
    // Opening it (twice) sent nothing: the review still waits.
    expect(await received(wf)).toEqual([]);

    const answered = await request(minted.body.path, {
      method: "POST",
      ...form({ choice: "request_changes", note: "Page 2 needs a source" }),
    });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain("Your answer, “Request changes”, was sent");
    const done = await outcome(wf);
    expect(done.status).toBe("SUCCESS");
    expect(done.output).toMatchObject({
      outcome: "changes_requested",
      reviewer: "ada@example.com",
      note: "Page 2 needs a source",
    });
  });

  it("delivers exactly once when the same link is answered twice at once, and refuses every later use", async () => {
    const wf = await waitingReview("once");
    const path = await linkFor(wf);
    const answers = await Promise.all(
      ["approve", "request_changes", "approve"].map((choice) =>
        request(path, { method: "POST", ...form({ choice }, json) }).then(async (r) => ({
          status: r.status,
          body: await r.json(),
        })),
      ),
    );
    const accepted = answers.filter((a) => a.status === 200);
    expect(accepted).toHaveLength(1);
    expect(answers.filter((a) => a.status === 410)).toHaveLength(2);
    for (const refused of answers.filter((a) => a.status === 410))
      expect(refused.body.detail).toMatch(/already used/);

    const done = await outcome(wf);
    const chosen = accepted[0]!.body.choice as string;
    expect(done.output.outcome).toBe(chosen === "approve" ? "approved" : "changes_requested");
    expect(await received(wf)).toHaveLength(1);

    // Later: the page says it was used (with when), whether the workflow has ended or not.
    const page = await request(path);
    expect(page.status).toBe(410);
    expect(await page.text()).toMatch(/role="alert".*This link was already used, on /s);
    const replay = await request(path, { method: "POST", ...form({ choice: chosen }) });
    expect(replay.status).toBe(410);
  });

  it("takes a JSON answer as a program sends it", async () => {
    const wf = await waitingReview("json");
    const path = await linkFor(wf, { topic: "review", choices: ["approve"] });
    const answered = await request(path, {
      method: "POST",
      headers: { ...json, "content-type": "application/json" },
      body: JSON.stringify({ choice: "approve" }),
    });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({
      workflow_id: wf,
      topic: "review",
      choice: "approve",
      message: "Answer sent to workflow",
    });
    expect((await outcome(wf)).output).toMatchObject({
      outcome: "approved",
      reviewer: "approval link",
    });
  });
});

describe("links that deliver nothing", () => {
  let wf: string;
  let path: string;
  beforeAll(async () => {
    wf = await waitingReview("refused");
    path = await linkFor(wf, { topic: "review", choices: ["approve"] });
  });

  /** After each refusal the review still waits and has received nothing. */
  async function nothingDelivered() {
    expect(await received(wf)).toEqual([]);
    const summary = await (await request(`/workflows/${wf}`, { headers: authorized })).json();
    expect(summary).toMatchObject({ status: "PENDING", waiting_for: { topic: "review" } });
  }

  it("refuses a choice the link does not offer (a form altered), or no choice at all", async () => {
    for (const choice of ["request_changes", "reject", "APPROVE"]) {
      const refused = await request(path, { method: "POST", ...form({ choice }, json) });
      expect(refused.status).toBe(403);
      expect((await refused.json()).detail).toBe(
        `This link does not offer '${choice}' (it offers: approve). Nothing was sent`,
      );
    }
    const page = await request(path, { method: "POST", ...form({ choice: "request_changes" }) });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("This link cannot do that");
    const none = await request(path, { method: "POST", ...form({ note: "hi" }, json) });
    expect(none.status).toBe(422);
    expect((await none.json()).detail).toMatch(/choice is required/);
    const long = await request(path, {
      method: "POST",
      ...form({ choice: "approve", note: "x".repeat(2001) }, json),
    });
    expect(long.status).toBe(422);
    await nothingDelivered();
  });

  it("refuses a link altered, cut short, re-signed, of another algorithm or audience", async () => {
    const token = path.slice("/links/".length);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const otherRing = parseKeyRing(newTokenKey("k1"));
    const capability = await (
      await request("/tokens", {
        method: "POST",
        headers: { ...authorized, "content-type": "application/json" },
        body: JSON.stringify({ workflow_id: wf, topics: ["review"] }),
      })
    ).json();
    const forged = {
      // The choice widened in the payload, the signature kept.
      altered: `${header}.${encode({ ...claims, ch: ["approve", "request_changes"] })}.${signature}`,
      truncated: token.slice(0, -5),
      "cut at a dot": `${header}.${payload}`,
      "alg none": `${encode({ alg: "none", typ: "JWT", kid: "k1" })}.${payload}.`,
      "another key under the same kid": (
        await mintLink(otherRing, { workflow_id: wf, topic: "review", choices: ["approve"] }, 60)
      ).path.slice("/links/".length),
      "HS512 with the right key": await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS512", kid: "k1" })
        .sign(ring.keys[0]!.secret),
      "a capability token": capability.token,
      garbage: "not-a-link",
      oversized: `${header}.${"A".repeat(9000)}.${signature}`,
    };
    for (const [what, bad] of Object.entries(forged)) {
      for (const method of ["GET", "POST"]) {
        const refused = await request(`/links/${bad}`, {
          method,
          ...(method === "POST" ? form({ choice: "approve" }, json) : { headers: json }),
        });
        expect(refused.status, `${what} (${method})`).toBe(403);
        const { detail } = await refused.json();
        expect(detail, what).toMatch(/link|Nothing was sent/);
        expect(detail, what).not.toContain(bad.slice(0, 20));
      }
    }
    // And a link is no capability token: as a Bearer credential it reaches nothing.
    const asToken = await request(`/workflows/${wf}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asToken.status).toBe(401);
    await nothingDelivered();
  });

  it("answers an expired link 410 with when it expired, and a withdrawn one 410", async () => {
    const grant = { workflow_id: wf, topic: "review", choices: ["approve"] };
    // Minted an hour ago for ten minutes: past its expiry and the 30 s leeway.
    const old = await mintLink(ring, grant, 600, Date.now() - 3_600_000);
    const expired = await request(old.path, {
      method: "POST",
      ...form({ choice: "approve" }, json),
    });
    expect(expired.status).toBe(410);
    expect((await expired.json()).detail).toBe(
      `This link expired on ${new Date(old.expires_at).toUTCString()}: ask for a new one`,
    );
    const page = await request(old.path);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("This link can no longer be used");
    await nothingDelivered();
  });

  it("mints nothing for a topic without an approval, a choice not declared, or too long a life", async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ topic: "notification" }, 409, /receives no messages on topic 'notification'/],
      [{ topic: "review", choices: ["maybe"] }, 422, /'maybe' are not choices/],
      [{ topic: "review", ttl_seconds: 7 * 86400 + 1 }, 422, /at most 604800/],
      [{ topic: "review", recipient: "x".repeat(201) }, 422, /at most 200/],
      [{ topic: "review", recipient: "a\u0000b" }, 422, /control characters/],
      [{}, 422, /topic/],
    ];
    for (const [body, status, detail] of cases) {
      const minted = await mint(wf, body);
      expect(minted.status, JSON.stringify(body)).toBe(status);
      expect(minted.body.detail).toMatch(detail);
    }
    expect((await mint(id("missing"))).status).toBe(404);
    // Only the API key mints: not a capability token, not nobody.
    const anonymous = await request(`/workflows/${wf}/links`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "review" }),
    });
    expect(anonymous.status).toBe(401);
    await nothingDelivered();
  });

  it("keeps every link out of the logs", async () => {
    const lines = logged.join("\n");
    expect(lines).toContain('"path":"/links/[redacted]"');
    expect(lines).not.toContain(path.slice("/links/".length));
  });

  it("refuses a form posted to the link from another site", async () => {
    const refused = await request(path, {
      method: "POST",
      ...form(
        { choice: "approve" },
        { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      ),
    });
    expect(refused.status).toBe(403);
    await nothingDelivered();
  });
});

describe("a link whose workflow can no longer decide", () => {
  it("says the decision is closed once the workflow has finished, and mints no new link", async () => {
    const wf = await waitingReview("finished");
    const unused = await linkFor(wf);
    const send = await request(`/send-message/${wf}?topic=review`, {
      method: "POST",
      headers: { ...authorized, "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve", reviewer: "api" }),
    });
    expect(send.status).toBe(200);
    await outcome(wf);
    const page = await request(unused);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("This decision is closed");
    const answer = await request(unused, {
      method: "POST",
      ...form({ choice: "approve" }, json),
    });
    expect(answer.status).toBe(409);
    expect((await answer.json()).detail).toMatch(/has finished \(SUCCESS\).*Nothing was sent/);
    expect((await mint(wf)).status).toBe(409);
    expect(await received(wf)).toHaveLength(1);
  });

  it("says so for a cancelled workflow, and for one whose links were revoked", async () => {
    const cancelled = await waitingReview("cancelled");
    const link = await linkFor(cancelled);
    await request(`/workflows/${cancelled}/cancel`, { method: "POST", headers: authorized });
    const answer = await request(link, {
      method: "POST",
      ...form({ choice: "approve" }, json),
    });
    expect(answer.status).toBe(409);
    expect((await answer.json()).detail).toMatch(/cancelled/);

    const revoked = await waitingReview("revoked");
    const withdrawn = await linkFor(revoked);
    await request(`/workflows/${revoked}/tokens/revoke`, { method: "POST", headers: authorized });
    const refused = await request(withdrawn, { headers: json });
    expect(refused.status).toBe(410);
    expect((await refused.json()).detail).toMatch(/withdrawn/);
    expect(await received(revoked)).toEqual([]);
  });
});

describe("a link a workflow mints itself", () => {
  it("reaches the reviewer through REVIEW_NOTIFY_URL, starts with PUBLIC_API_URL, and decides the review", async () => {
    const wf = await waitingReview("from-workflow");
    const notice = await postedFor(wf).promise;
    expect(notice.url).toMatch(new RegExp(`^${PUBLIC_API_URL}/links/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    expect(notice.text).toBe(`Document review ${wf} waits for your decision: ${notice.url}`);
    // It lasts as long as the review waits (REVIEW_TIMEOUT_SECONDS, 120 by default).
    const lifetime = Date.parse(notice.expires_at!) - Date.now();
    expect(lifetime).toBeGreaterThan(100_000);
    expect(lifetime).toBeLessThanOrEqual(121_000);
    expect(await auditLog(wf)).toContainEqual(
      expect.objectContaining({ type: "link_sent", expires_at: notice.expires_at }),
    );

    // Signed by the worker, opened and answered at the API.
    const path = notice.url!.slice(PUBLIC_API_URL.length);
    expect((await request(path)).status).toBe(200);
    const answered = await request(path, { method: "POST", ...form({ choice: "approve" }) });
    expect(answered.status).toBe(200);
    expect((await outcome(wf)).output).toMatchObject({ outcome: "approved" });
  });

  it("records a link it could not post, and the review waits all the same", async () => {
    const wf = await waitingReview("notify-fails");
    const log = await auditLog(wf);
    expect(log).toContainEqual(
      expect.objectContaining({
        type: "link_not_sent",
        reason: expect.stringContaining("the notification URL answered 500"),
      }),
    );
    expect(JSON.stringify(log)).not.toContain("127.0.0.1");
    const path = await linkFor(wf);
    const answered = await request(path, { method: "POST", ...form({ choice: "approve" }) });
    expect(answered.status).toBe(200);
    expect((await outcome(wf)).output).toMatchObject({ outcome: "approved" });
  });
});
