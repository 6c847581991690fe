import { createHmac } from "node:crypto";
import { DBOS } from "@dbos-inc/dbos-sdk";
import { DEFAULT_APP_VERSION } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { docsPage } from "../../functions/api/src/docs-page.js";
import { isOpenPath } from "../../functions/api/src/middleware/auth.js";
import { createInspector } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Public-internet hygiene through the real app, backend and worker: API keys, signed webhooks,
// idempotent sends, security headers, request IDs, CORS and what the access log contains.
const KEY_OLD = "old-key-0123456789abcdef";
const KEY_NEW = "new-key-0123456789abcdef";
const SECRET_BYTES = Buffer.from("a shared webhook secret of 32 bytes!");
const WEBHOOK_SECRET = `whsec_${SECRET_BYTES.toString("base64")}`;

let backend: ReturnType<typeof createDbosBackend>;
let app: ReturnType<typeof createApp>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let worker: TestWorker;
let db: pg.Pool;
const logLines: string[] = [];

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  db = new pg.Pool({ connectionString: url, max: 1 });
  backend = createDbosBackend({ databaseUrl: url, appVersion: DEFAULT_APP_VERSION, poolSize: 2 });
  app = createApp(backend, {
    apiKeys: [KEY_OLD, KEY_NEW],
    webhookSecret: WEBHOOK_SECRET,
    corsOrigins: ["https://dashboard.example.com"],
    log: (line) => logLines.push(line),
  });
  inspector = await createInspector(url);
  worker = await startWorker(url, { RECV_TIMEOUT_SECONDS: "20" });
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  await backend?.close();
  await db?.end();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });

/** Signs like a Standard Webhooks sender: HMAC-SHA256 of `id.timestamp.body`, base64. */
function sign(id: string, timestamp: number, body: string, key = SECRET_BYTES) {
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${signature}`,
  };
}

describe("API keys", () => {
  it("leaves /health open", async () => {
    expect((await app.request("/health")).status).toBe(200);
  });

  it.each([
    ["no header", {}, /Missing API key/],
    ["a wrong key", bearer("wrong-key-0123456789abcdef"), /Invalid API key/],
  ])("answers 401 with a detail for %s, and starts nothing", async (_, headers, detail) => {
    const id = `unauthorized-${Math.random().toString(36).slice(2)}`;
    const response = await post(
      `/start-workflow-events/${id}/1`,
      undefined,
      headers as Record<string, string>,
    );
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toMatch(detail);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await inspector.status(id)).toBeUndefined();
  });

  it.each(["Bearer two words", "Basic dXNlcjpwYXNz", "Bearer"])(
    "answers 401 to a malformed Authorization header (%s), as docs/operations/security.md says",
    async (authorization) => {
      const response = await post("/start-workflow-events/x/1", undefined, { authorization });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_request"');
      expect(((await response.json()) as { detail: string }).detail).toMatch(
        /Malformed Authorization header/,
      );
    },
  );

  it("accepts the scheme in any case", async () => {
    const id = `scheme-case-${Date.now()}`;
    const response = await post(`/start-workflow-events/${id}/1`, undefined, {
      authorization: `bearer ${KEY_NEW}`,
    });
    expect(response.status).toBe(200);
  });

  it("accepts both keys while one is being rotated", async () => {
    for (const key of [KEY_OLD, KEY_NEW]) {
      const id = `rotated-${key.slice(0, 3)}-${Date.now()}`;
      expect((await post(`/start-workflow-streaming/${id}/1`, undefined, bearer(key))).status).toBe(
        200,
      );
      expect(await inspector.result(id)).toHaveLength(1);
    }
  });

  it("leaves open exactly liveness, webhooks, approval links, the API's description and the dashboard", async () => {
    // Every route of the Node server's app (docs page included), asked without a key.
    const local = createApp(backend, { apiKeys: [KEY_OLD], extraRoutes: docsPage() });
    const routes = [...new Set(local.routes.map((r) => `${r.method} ${r.path}`))].filter(
      (route) => !route.endsWith(" /*"),
    );
    const open: string[] = [];
    for (const route of routes) {
      const [method, template] = route.split(" ") as [string, string];
      const path = template.replace(/:file$/, "swagger-ui.css").replace(/:[a-z_]+/g, "x");
      const response = await local.request(path, { method });
      const { detail } = (await response.json().catch(() => ({}))) as { detail?: string };
      if (!(response.status === 401 && /Missing API key/.test(detail ?? ""))) open.push(route);
      expect(isOpenPath(template)).toBe(open.includes(route));
    }
    expect(open.sort()).toEqual([
      "GET /docs",
      "GET /docs/assets/:file",
      "GET /docs/assets/init.js",
      "GET /health",
      "GET /links/:token",
      "GET /openapi.json",
      "GET /ui",
      "GET /ui/app.js",
      "POST /links/:token",
      "POST /webhooks/:workflow_id",
    ]);
  });

  it("protects reads and sends too", async () => {
    expect((await app.request("/workflow-stream/any")).status).toBe(401);
    expect((await app.request("/workflow-events/any/all")).status).toBe(401);
    expect((await post("/send-message/any", { approved: true })).status).toBe(401);
  });
});

describe("Idempotency-Key on sends", () => {
  it("delivers a retried send once", async () => {
    const id = `idem-${Date.now()}`;
    await post(`/start-workflow-messaging/${id}/1`, undefined, bearer(KEY_OLD));
    const headers = { ...bearer(KEY_OLD), "idempotency-key": "approval-42" };
    // A client retrying after a lost answer sends the same key: one message is stored.
    expect((await post(`/send-message/${id}`, { approved: false }, headers)).status).toBe(200);
    expect((await post(`/send-message/${id}`, { approved: false }, headers)).status).toBe(200);
    expect(await inspector.result(id)).toMatchObject({ status: "cancelled" });
    expect(await storedMessages(id)).toBe(1);
  });

  it("rejects a malformed key with 422", async () => {
    const response = await post(
      "/send-message/x",
      { a: 1 },
      { ...bearer(KEY_OLD), "idempotency-key": "has space" },
    );
    expect(response.status).toBe(422);
  });
});

/** Messages ever stored for a workflow (consumed ones stay, flagged): a duplicate would show. */
async function storedMessages(workflowId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM dbos.notifications WHERE destination_uuid = $1",
    [workflowId],
  );
  return rows[0]!.n;
}

const now = () => Math.floor(Date.now() / 1000);

describe("signed webhooks", () => {
  it("delivers a correctly signed webhook to the workflow, without an API key", async () => {
    const id = `hook-${Date.now()}`;
    await post(`/start-workflow-messaging/${id}/2`, undefined, bearer(KEY_OLD));
    const body = JSON.stringify({ workflow_id: id, approved: true, provider: "payments" });
    const response = await post(`/webhooks/${id}`, body, sign(`evt_1_${id}`, now(), body));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      workflow_id: id,
      topic: "notification",
      webhook_id: `evt_1_${id}`,
    });
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
  });

  it("delivers a redelivered webhook (same webhook-id) only once, even after it finished", async () => {
    const id = `hook-twice-${Date.now()}`;
    await post(`/start-workflow-messaging/${id}/1`, undefined, bearer(KEY_OLD));
    const body = JSON.stringify({ workflow_id: id, approved: false });
    const headers = sign(`evt_dup_${id}`, now(), body);
    expect((await post(`/webhooks/${id}`, body, headers)).status).toBe(200);
    expect((await post(`/webhooks/${id}`, body, headers)).status).toBe(200);
    expect(await inspector.result(id)).toMatchObject({ status: "cancelled" });
    // The provider retrying after a lost answer must not be told it failed.
    expect((await post(`/webhooks/${id}`, body, headers)).status).toBe(200);
    expect(await storedMessages(id)).toBe(1);
  });

  it.each([
    [
      "a bad signature",
      (b: string) => ({ ...sign("e", now(), b), "webhook-signature": "v1,AAAA" }),
    ],
    ["another secret", (b: string) => sign("e", now(), b, Buffer.from("x".repeat(32)))],
    ["a replayed (old) timestamp", (b: string) => sign("e", now() - 3600, b)],
    ["no signature headers", () => ({})],
  ])("rejects %s with 401 and delivers nothing", async (_, headersFor) => {
    const id = `hook-bad-${Math.random().toString(36).slice(2)}`;
    await post(`/start-workflow-messaging/${id}/1`, undefined, bearer(KEY_OLD));
    const body = JSON.stringify({ workflow_id: id, approved: true });
    const response = await post(
      `/webhooks/${id}`,
      body,
      headersFor(body) as Record<string, string>,
    );
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/Webhook rejected/);
    await post(`/send-message/${id}`, { approved: false }, bearer(KEY_OLD));
    expect(await inspector.result(id)).toMatchObject({ status: "cancelled" });
  });

  it("routes to another topic with ?topic=", async () => {
    const body = JSON.stringify({ workflow_id: "no-such-workflow", topic: "payment" });
    const response = await post(
      `/webhooks/no-such-workflow?topic=payment`,
      body,
      sign("evt_t", now(), body),
    );
    expect(response.status).toBe(404);
  });
});

describe("signed webhooks are bound to their target", () => {
  /** Two messaging workflows waiting for an approval: the delivery's target and another. */
  async function pair() {
    const suffix = Math.random().toString(36).slice(2);
    const [a, b] = [`bound-a-${suffix}`, `bound-b-${suffix}`];
    for (const id of [a, b])
      await post(`/start-workflow-messaging/${id}/1`, undefined, bearer(KEY_OLD));
    return [a, b] as const;
  }
  /** B still waits: a plain refusal lets it end cancelled, so nothing approved it. */
  async function expectNotApproved(id: string) {
    await post(`/send-message/${id}`, { approved: false }, bearer(KEY_OLD));
    expect(await inspector.result(id)).toMatchObject({ status: "cancelled" });
    expect(await storedMessages(id)).toBe(1);
  }

  it("refuses a delivery signed for one workflow and replayed to another (401)", async () => {
    const [a, b] = await pair();
    const body = JSON.stringify({ workflow_id: a, approved: true });
    const headers = sign(`evt_${a}`, now(), body);
    // Replayed to B first, as an attacker who saw it on its way would.
    const replay = await post(`/webhooks/${b}`, body, headers);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { detail: string }).detail).toBe(
      `Webhook rejected: signed for workflow '${a}' on topic 'notification', not for '${b}' on 'notification'`,
    );
    expect((await post(`/webhooks/${a}`, body, headers)).status).toBe(200);
    expect(await inspector.result(a)).toMatchObject({ status: "completed" });
    await expectNotApproved(b);
  });

  it("refuses a delivery replayed to another topic of the same workflow (401)", async () => {
    const id = `bound-topic-${Math.random().toString(36).slice(2)}`;
    await post(`/start-workflow-messaging/${id}/1`, undefined, bearer(KEY_OLD));
    const body = JSON.stringify({ workflow_id: id, topic: "payment", approved: true });
    const response = await post(`/webhooks/${id}`, body, sign(`evt_${id}`, now(), body));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toMatch(
      /signed for workflow .* on topic 'payment', not for .* on 'notification'/,
    );
    await expectNotApproved(id);
  });

  it.each([
    ["no workflow_id", () => ({ approved: true })],
    ["a workflow_id that is not a string", () => ({ workflow_id: 7, approved: true })],
    [
      "a topic that is not a string",
      (id: string) => ({ workflow_id: id, topic: ["notification"], approved: true }),
    ],
  ])("refuses a signed body that names %s (422)", async (_, fieldsFor) => {
    const id = `bound-none-${Math.random().toString(36).slice(2)}`;
    await post(`/start-workflow-messaging/${id}/1`, undefined, bearer(KEY_OLD));
    const body = JSON.stringify(fieldsFor(id));
    const response = await post(`/webhooks/${id}`, body, sign(`evt_${id}`, now(), body));
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toMatch(
      /must name its target: "workflow_id"/,
    );
    await expectNotApproved(id);
  });

  it("refuses a webhook-id already delivered to another workflow (409), however it is signed", async () => {
    const [a, b] = await pair();
    const id = `evt_once_${a}`;
    const forA = JSON.stringify({ workflow_id: a, approved: false });
    expect((await post(`/webhooks/${a}`, forA, sign(id, now(), forA))).status).toBe(200);
    const forB = JSON.stringify({ workflow_id: b, approved: true });
    const again = await post(`/webhooks/${b}`, forB, sign(id, now(), forB));
    expect(again.status).toBe(409);
    expect(((await again.json()) as { detail: string }).detail).toBe(
      `webhook-id '${id}' was already delivered to another workflow or topic; a key names one delivery`,
    );
    expect(await inspector.result(a)).toMatchObject({ status: "cancelled" });
    await expectNotApproved(b);
  });

  it("refuses a webhook-id redelivered with another body (409)", async () => {
    const [a] = await pair();
    const id = `evt_body_${a}`;
    const first = JSON.stringify({ workflow_id: a, approved: false });
    expect((await post(`/webhooks/${a}`, first, sign(id, now(), first))).status).toBe(200);
    const changed = JSON.stringify({ workflow_id: a, approved: true });
    const again = await post(`/webhooks/${a}`, changed, sign(id, now(), changed));
    expect(again.status).toBe(409);
    expect(((await again.json()) as { detail: string }).detail).toMatch(/different message/);
    expect(await inspector.result(a)).toMatchObject({ status: "cancelled" });
  });
});

describe("log levels", () => {
  it("leaves out per-request lines at LOG_LEVEL=warn", async () => {
    const lines: string[] = [];
    const quiet = createApp(backend, { logLevel: "warn", log: (line) => lines.push(line) });
    await quiet.request("/health");
    expect(lines).toEqual([]);
  });
});

describe("HTTP hygiene", () => {
  it("sets security headers and a request ID on every answer", async () => {
    const response = await app.request("/health");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBeTruthy();
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age/);
    expect(response.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
    // JSON loads nothing: rendered as a page by mistake, it runs nothing and is framed by none.
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it("gives the Node server's docs page the same headers, request ID and access log", async () => {
    const lines: string[] = [];
    const local = createApp(backend, { extraRoutes: docsPage(), log: (line) => lines.push(line) });
    const response = await local.request("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ method: "GET", path: "/docs", status: 200 }),
    ]);
  });

  it("keeps a caller's request ID", async () => {
    const response = await app.request("/health", { headers: { "x-request-id": "trace-abc-123" } });
    expect(response.headers.get("x-request-id")).toBe("trace-abc-123");
  });

  it("answers CORS only for configured origins", async () => {
    const allowed = await app.request("/health", {
      headers: { origin: "https://dashboard.example.com" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(
      "https://dashboard.example.com",
    );
    const other = await app.request("/health", { headers: { origin: "https://evil.example.com" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("logs one JSON line per request, without bodies, keys or query strings", async () => {
    logLines.length = 0;
    await post("/send-message/no-such", { secret_note: "do-not-log-me" }, bearer(KEY_OLD));
    await app.request("/workflow-events/x/y?timeout=0", { headers: bearer(KEY_NEW) });
    expect(logLines).toHaveLength(2);
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries[0]).toMatchObject({
      msg: "request",
      method: "POST",
      path: "/send-message/no-such",
      status: 404,
    });
    expect(entries[0]!.requestId).toBeTruthy();
    const all = logLines.join("\n");
    expect(all).not.toMatch(/do-not-log-me|old-key|new-key|timeout=0/);
  });
});
