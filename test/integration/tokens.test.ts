import { DBOS } from "@dbos-inc/dbos-sdk";
import { DBOS_SCHEMA } from "@wfc/core";
import {
  mintToken,
  newTokenKey,
  parseKeyRing,
  TOKEN_AUDIENCE,
  TOKEN_LEEWAY_SECONDS,
  type TokenScope,
} from "@wfc/tokens";
import { SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Capability tokens through the real app, backend and worker: what a token reaches (exactly its
// scope), every way a token can be bad (401), out of scope (403), both credentials (400), what
// the logs and answers never hold, and revocation.
const KEY = "api-key-0123456789abcdef";
// Two keys, as during a rotation: tokens are signed with the newer.
const ring = parseKeyRing(`${newTokenKey("old")},${newTokenKey("new")}`);

let api: ReturnType<typeof createTestApi>;
let open: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let worker: TestWorker;
let db: pg.Pool;
let url: string;
const logLines: string[] = [];
const suffix = Math.random().toString(36).slice(2, 8);
const EVENTS = `tok-ev-${suffix}`;
const MESSAGING = `tok-msg-${suffix}`;
const STREAMING = `tok-st-${suffix}`;

beforeAll(async () => {
  url = await createTestDatabase();
  await DBOS.migrate(url);
  db = new pg.Pool({ connectionString: url, max: 1 });
  worker = await startWorker(url, { RECV_TIMEOUT_SECONDS: "60" });
  const log = (line: string) => logLines.push(line);
  api = createTestApi(url, { apiKeys: [KEY], tokenKeys: ring, log });
  open = createTestApi(url, { tokenKeys: ring, log });
  inspector = await createInspector(url);
  for (const [kind, id] of [
    ["events", EVENTS],
    ["messaging", MESSAGING],
    ["streaming", STREAMING],
  ])
    expect((await request("POST", `/start-workflow-${kind}/${id}/1`, { key: true })).status).toBe(
      200,
    );
  await inspector.result(EVENTS);
  await inspector.result(STREAMING);
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  await api?.close();
  await open?.close();
  await db?.end();
});

interface Credentials {
  key?: boolean;
  token?: string;
  query?: string;
  body?: unknown;
  headers?: Record<string, string>;
  app?: typeof api;
}

async function request(method: string, path: string, credentials: Credentials = {}) {
  const headers: Record<string, string> = { ...credentials.headers };
  if (credentials.key) headers.authorization = `Bearer ${KEY}`;
  if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
  if (credentials.body !== undefined) headers["content-type"] = "application/json";
  let url = path;
  if (credentials.query)
    url += `${path.includes("?") ? "&" : "?"}access_token=${credentials.query}`;
  const response = await (credentials.app ?? api).app.request(url, {
    method,
    headers,
    body: credentials.body === undefined ? undefined : JSON.stringify(credentials.body),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // an event stream or an empty answer
  }
  return { status: response.status, body, text, headers: response.headers };
}

const scope = (workflowId: string, rest: Partial<TokenScope> = {}): TokenScope => ({
  workflow_id: workflowId,
  events: [],
  streams: [],
  topics: [],
  ...rest,
});
const tokenFor = async (s: TokenScope, ttl = 300, now?: number) =>
  (await mintToken(ring, s, ttl, now)).token;

const notificationCount = async (workflowId: string) =>
  Number(
    (
      await db.query(
        `SELECT count(*) AS n FROM ${DBOS_SCHEMA}.notifications WHERE destination_uuid = $1`,
        [workflowId],
      )
    ).rows[0].n,
  );
const workflowExists = async (workflowId: string) =>
  (
    await db.query(`SELECT 1 FROM ${DBOS_SCHEMA}.workflow_status WHERE workflow_uuid = $1`, [
      workflowId,
    ])
  ).rowCount === 1;

describe("POST /tokens", () => {
  it("mints a token with an API key: 201 with the token, its expiry and its scope", async () => {
    const before = Date.now();
    const response = await request("POST", "/tokens", {
      key: true,
      body: { workflow_id: EVENTS, events: ["status"], streams: "*", ttl_seconds: 120 },
    });
    expect(response.status).toBe(201);
    expect(response.body.scope).toEqual({
      workflow_id: EVENTS,
      events: ["status"],
      streams: "*",
      topics: [],
    });
    const expires = Date.parse(response.body.expires_at);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 120_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 120_000);
    const status = await request("GET", `/workflows/${EVENTS}`, { token: response.body.token });
    expect(status.status).toBe(200);
    expect(status.body.workflow_id).toBe(EVENTS);
  });

  it.each([
    [{ workflow_id: EVENTS, ttl_seconds: 86_401 }, /ttl_seconds must be at most 86400/],
    [{ workflow_id: EVENTS, ttl_seconds: 0 }, /ttl_seconds must be at least 1/],
    [{ workflow_id: EVENTS, ttl_seconds: 1.5 }, /whole number/],
    [{ workflow_id: EVENTS, events: "all" }, /events/],
    [{ workflow_id: "no spaces allowed" }, /workflow_id may only contain/],
    [{ events: ["status"] }, /workflow_id/],
  ])("refuses a bad request %j with 422 and a detail", async (body, detail) => {
    const response = await request("POST", "/tokens", { key: true, body });
    expect(response.status).toBe(422);
    expect(response.body.detail).toMatch(detail);
  });

  it("needs an API key when keys are configured, and never takes a token", async () => {
    expect((await request("POST", "/tokens", { body: { workflow_id: EVENTS } })).status).toBe(401);
    const token = await tokenFor(scope(EVENTS, { events: "*", streams: "*", topics: "*" }));
    const minted = await request("POST", "/tokens", { token, body: { workflow_id: EVENTS } });
    expect(minted.status).toBe(403);
    expect(minted.body.detail).toMatch(/needs an API key/);
  });

  it("answers 404 when the API has no signing keys", async () => {
    const keyless = createTestApi(url, { log: () => {} });
    try {
      const response = await request("POST", "/tokens", {
        app: keyless,
        body: { workflow_id: EVENTS },
      });
      expect(response.status).toBe(404);
      expect(response.body.detail).toMatch(/TOKEN_KEYS/);
      // A JWT in the header is then what it was before tokens (the open API ignores it); in the
      // query, a credential that cannot be checked: 401.
      const token = await tokenFor(scope(EVENTS));
      expect((await request("GET", "/workflows", { app: keyless, token })).status).toBe(200);
      const query = await request("GET", `/workflows/${EVENTS}`, { app: keyless, query: token });
      expect(query.status).toBe(401);
      expect(query.body.detail).toMatch(/not enabled/);
    } finally {
      await keyless.close();
    }
  });
});

describe("a token reaches exactly its scope", () => {
  it("reads its workflow's status, and no other workflow's", async () => {
    const token = await tokenFor(scope(EVENTS, { events: "*", streams: "*", topics: "*" }));
    expect((await request("GET", `/workflows/${EVENTS}`, { token })).status).toBe(200);
    for (const other of [
      MESSAGING,
      `${EVENTS}-1`,
      `${EVENTS}1`,
      EVENTS.slice(0, -1),
      EVENTS.toUpperCase(),
    ]) {
      const response = await request("GET", `/workflows/${other}`, { token });
      expect(response.status, other).toBe(403);
      expect(response.body.detail).toMatch(/another workflow/);
    }
  });

  it("treats a differently encoded path as the ID it decodes to, never another workflow", async () => {
    const token = await tokenFor(scope(EVENTS));
    const encoded = EVENTS.replace("-", "%2D").replace("t", "%74");
    const same = await request("GET", `/workflows/${encoded}`, { token });
    expect(same.status).toBe(200);
    expect(same.body.workflow_id).toBe(EVENTS);
    // Encoded twice it names another ID (one no workflow can have): never this token's.
    const twice = await request("GET", `/workflows/${EVENTS.replace("-", "%252D")}`, { token });
    expect([403, 422]).toContain(twice.status);
    expect(twice.text).not.toContain('"status"');
  });

  it("does not reach its workflow's children", async () => {
    // The seed's GET / runs a root workflow that starts five children.
    const root = await request("GET", "/", { key: true });
    expect(root.status).toBe(200);
    const children = (root.body.handles_status as { workflow_id: string }[]).map(
      (child) => child.workflow_id,
    );
    const list = await request("GET", "/workflows?kind=fanout&limit=1", { key: true });
    const parent = list.body.workflows[0].workflow_id as string;
    expect(children.length).toBeGreaterThan(0);
    const token = await tokenFor(scope(parent, { events: "*", streams: "*", topics: "*" }));
    expect((await request("GET", `/workflows/${parent}`, { token })).status).toBe(200);
    for (const child of children) {
      expect((await request("GET", `/workflows/${child}`, { token })).status).toBe(403);
      expect((await request("GET", `/workflow-events/${child}/all`, { token })).status).toBe(403);
    }
  });

  it("reads the listed event keys, waited for, all and live; no other key", async () => {
    const token = await tokenFor(scope(EVENTS, { events: ["status"] }));
    const status = await request("GET", `/workflow-events/${EVENTS}/status?timeout=0`, { token });
    expect(status.status).toBe(200);
    const progress = await request("GET", `/workflow-events/${EVENTS}/progress?timeout=0`, {
      token,
    });
    expect(progress.status).toBe(403);
    expect(progress.body.detail).toMatch(/event 'progress'/);
    const all = await request("GET", `/workflow-events/${EVENTS}/all`, { token });
    expect(all.status).toBe(200);
    expect(Object.keys(all.body.events)).toEqual(["status"]);
    const everything = await request("GET", `/workflow-events/${EVENTS}/all`, { key: true });
    expect(Object.keys(everything.body.events).sort()).toEqual(["progress", "result", "status"]);
    // The workflow has finished: the live feed sends the current values, then `end`.
    const live = await request("GET", `/workflow-events/${EVENTS}/all/live`, { query: token });
    expect(live.status).toBe(200);
    expect(live.text).toContain('"key":"status"');
    expect(live.text).not.toMatch(/"key":"(progress|result)"/);
    expect(live.text).toContain("event: end");
  });

  it("reads the listed streams, snapshot and live; no other stream", async () => {
    const token = await tokenFor(scope(STREAMING, { streams: ["progress_stream"] }));
    const snapshot = await request("GET", `/workflow-stream/${STREAMING}`, { token });
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.total_messages).toBeGreaterThan(0);
    const live = await request("GET", `/workflow-stream/${STREAMING}/live`, { query: token });
    expect(live.status).toBe(200);
    expect(live.text).toContain("event: end");
    for (const path of [
      `/workflow-stream/${STREAMING}?key=other`,
      `/workflow-stream/${STREAMING}/live?key=other`,
    ]) {
      const response = await request("GET", path, { token });
      expect(response.status, path).toBe(403);
      expect(response.body.detail).toMatch(/stream 'other'/);
    }
    const noStreams = await tokenFor(scope(STREAMING, { events: "*" }));
    expect(
      (await request("GET", `/workflow-stream/${STREAMING}`, { token: noStreams })).status,
    ).toBe(403);
  });

  it("reads its stream's last values with ?tail=, snapshot and live; no tail of another stream", async () => {
    const token = await tokenFor(scope(STREAMING, { streams: ["progress_stream"] }));
    const whole = await request("GET", `/workflow-stream/${STREAMING}`, { key: true });
    const tail = await request("GET", `/workflow-stream/${STREAMING}?tail=2`, { token });
    expect(tail.status).toBe(200);
    expect(tail.body.stream_values).toEqual(whole.body.stream_values.slice(-2));
    const live = await request("GET", `/workflow-stream/${STREAMING}/live?tail=2`, {
      query: token,
    });
    expect(live.status).toBe(200);
    expect(live.text).toContain("event: end");
    const other = await tokenFor(scope(STREAMING, { streams: ["other"], events: "*" }));
    for (const path of [
      `/workflow-stream/${STREAMING}?tail=2`,
      `/workflow-stream/${STREAMING}/live?tail=2`,
    ]) {
      const response = await request("GET", path, { token: other });
      expect(response.status, path).toBe(403);
      expect(response.body.detail).toMatch(/stream 'progress_stream'/);
    }
  });

  it("sends only on its topics: a read token or another topic sends nothing", async () => {
    const read = await tokenFor(scope(MESSAGING, { events: "*", streams: "*" }));
    const other = await tokenFor(scope(MESSAGING, { topics: ["payment"] }));
    const send = await tokenFor(scope(MESSAGING, { topics: ["notification"] }));
    for (const [token, path] of [
      [read, `/send-message/${MESSAGING}`],
      [other, `/send-message/${MESSAGING}`],
      [send, `/send-message/${MESSAGING}?topic=payment`],
      [send, `/send-message/${EVENTS}`],
    ] as const) {
      const response = await request("POST", path, { token, body: { approved: true } });
      expect(response.status, path).toBe(403);
      expect(response.body.detail).toBeTruthy();
    }
    expect(await notificationCount(MESSAGING)).toBe(0);
    expect(await notificationCount(EVENTS)).toBe(0);
    const sent = await request("POST", `/send-message/${MESSAGING}`, {
      token: send,
      body: { approved: true },
    });
    expect(sent.status).toBe(200);
    expect((await inspector.result<{ status: string }>(MESSAGING)).status).toBe("completed");
  });

  it("reaches no management, start, minting or revoking route, and starts nothing", async () => {
    const fresh = `tok-new-${suffix}`;
    const token = await tokenFor(scope(fresh, { events: "*", streams: "*", topics: "*" }));
    const routes: [string, string, unknown?][] = [
      ["GET", "/workflows"],
      ["POST", `/workflows/${fresh}/cancel`],
      ["POST", `/workflows/${fresh}/resume`],
      ["POST", `/workflows/${fresh}/tokens/revoke`],
      ["POST", "/tokens", { workflow_id: fresh }],
      ["POST", `/start-workflow-events/${fresh}/1`],
      ["POST", `/start/events/${fresh}`, { n_steps: 1 }],
      ["POST", `/start/no-such-kind/${fresh}`, {}],
      ["GET", `/?workflow_id=${fresh}`],
      ["GET", "/versions"],
    ];
    for (const [method, path, body] of routes) {
      for (const credentials of [{ token }, { query: token }]) {
        const response = await request(method, path, { ...credentials, body });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.body.detail).toMatch(/needs an API key/);
      }
    }
    expect(await workflowExists(fresh)).toBe(false);
  });

  it("never does more than its scope on an open API (no API_KEYS)", async () => {
    const token = await tokenFor(scope(EVENTS));
    expect((await request("GET", `/workflows/${EVENTS}`, { token, app: open })).status).toBe(200);
    expect((await request("GET", "/workflows", { token, app: open })).status).toBe(403);
    expect((await request("GET", `/workflows/${MESSAGING}`, { token, app: open })).status).toBe(
      403,
    );
    // Without a token the open API is as before, garbage headers included.
    expect((await request("GET", "/workflows", { app: open })).status).toBe(200);
    const garbage = await request("GET", "/workflows", {
      app: open,
      headers: { authorization: "Bearer not-a-jwt" },
    });
    expect(garbage.status).toBe(200);
  });

  it("leaves the API key's full access as it was", async () => {
    expect((await request("GET", "/workflows", { key: true })).status).toBe(200);
    expect((await request("GET", `/workflows/${MESSAGING}`, { key: true })).status).toBe(200);
  });
});

describe("bad tokens: 401 with a detail, nothing started or sent", () => {
  const secretOf = (kid: string) => ring.keys.find((k) => k.kid === kid)!.secret;
  const claims = (workflowId: string) => ({ ev: "*", st: "*", tp: "*", sub: workflowId });
  const sign = (alg: string, kid: string, secret: Uint8Array, payload = claims(MESSAGING)) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg, kid })
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("5m")
      .sign(secret);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

  const cases: [string, () => Promise<string>, RegExp][] = [
    [
      "expired",
      () => tokenFor(scope(MESSAGING, { topics: "*" }), 60, Date.now() - 120_000),
      /expired/,
    ],
    [
      "not yet valid",
      () => tokenFor(scope(MESSAGING, { topics: "*" }), 600, Date.now() + 120_000),
      /not yet valid/,
    ],
    [
      "tampered (another workflow, old signature)",
      async () => {
        const [header, , signature] = (await tokenFor(scope(EVENTS, { topics: "*" }))).split(".");
        const payload = { ...claims(MESSAGING), aud: TOKEN_AUDIENCE, iat: 1, nbf: 1, exp: 4e9 };
        return `${header}.${b64(payload)}.${signature}`;
      },
      /signature/,
    ],
    [
      "signature altered",
      async () => {
        const token = await tokenFor(scope(MESSAGING, { topics: "*" }));
        const flipped = token.at(-2) === "A" ? "B" : "A";
        return `${token.slice(0, -2)}${flipped}${token.at(-1)}`;
      },
      /signature/,
    ],
    [
      "truncated",
      async () => (await tokenFor(scope(MESSAGING, { topics: "*" }))).slice(0, -10),
      /signature|malformed/,
    ],
    ["oversized", async () => `${"a".repeat(5000)}.${"b".repeat(5000)}.c`, /longer than/],
    ["unknown key id", () => sign("HS256", "gone", secretOf("new")), /key id/],
    [
      "signed with another secret under a known kid",
      () => sign("HS256", "new", new Uint8Array(32).fill(9)),
      /signature/,
    ],
    [
      "another algorithm (HS512)",
      () => sign("HS512", "new", new Uint8Array(64).fill(3)),
      /algorithm/,
    ],
    [
      "alg: none",
      async () =>
        `${b64({ alg: "none", typ: "JWT", kid: "new" })}.${b64({ ...claims(MESSAGING), aud: TOKEN_AUDIENCE, iat: 1, nbf: 1, exp: 4e9 })}.`,
      /algorithm/,
    ],
    [
      "another audience",
      async () =>
        new SignJWT(claims(MESSAGING))
          .setProtectedHeader({ alg: "HS256", kid: "new" })
          .setAudience("someone-else")
          .setIssuedAt()
          .setNotBefore("0s")
          .setExpirationTime("5m")
          .sign(secretOf("new")),
      /claim 'aud'/,
    ],
    [
      "a lifetime beyond the maximum",
      async () =>
        new SignJWT(claims(MESSAGING))
          .setProtectedHeader({ alg: "HS256", kid: "new" })
          .setAudience(TOKEN_AUDIENCE)
          .setIssuedAt()
          .setNotBefore("0s")
          .setExpirationTime("48h")
          .sign(secretOf("new")),
      /lifetime/,
    ],
  ];

  it.each(cases)("refuses a token %s, in the header and in the query", async (_, make, detail) => {
    const token = await make();
    for (const credentials of [{ token }, { query: encodeURIComponent(token) }]) {
      const send = await request("POST", `/send-message/${MESSAGING}`, {
        ...credentials,
        body: { approved: true },
      });
      expect(send.status).toBe(401);
      expect(send.body.detail).toMatch(detail);
      expect(send.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      expect(send.text).not.toContain(token.slice(0, 40));
      const start = await request(
        "POST",
        `/start-workflow-events/tok-bad-${suffix}/1`,
        credentials,
      );
      expect(start.status).toBe(401);
    }
    expect(await workflowExists(`tok-bad-${suffix}`)).toBe(false);
  });

  it("accepts a token within the clock leeway on either side", async () => {
    const leeway = (TOKEN_LEEWAY_SECONDS - 5) * 1000;
    const late = await tokenFor(scope(EVENTS), 60, Date.now() - 60_000 - leeway);
    const early = await tokenFor(scope(EVENTS), 60, Date.now() + leeway);
    for (const token of [late, early])
      expect((await request("GET", `/workflows/${EVENTS}`, { token })).status).toBe(200);
  });

  it("answers 400 to a token in both the header and the query, or twice in the query", async () => {
    const token = await tokenFor(scope(EVENTS));
    for (const credentials of [
      { token, query: token },
      { key: true, query: token },
      { query: `${token}&access_token=${token}` },
    ]) {
      const response = await request("GET", `/workflows/${EVENTS}`, credentials);
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/not both/);
      expect(response.text).not.toContain(token);
    }
  });
});

describe("what logs and answers never hold", () => {
  it("never writes an access_token to a log line, and never echoes it in a redirect", async () => {
    const token = await tokenFor(scope(STREAMING, { streams: "*", events: "*" }));
    const redirecting = createTestApi(url, {
      apiKeys: [KEY],
      tokenKeys: ring,
      liveFeedPathsOnly: true,
      log: (line) => logLines.push(line),
    });
    try {
      logLines.length = 0;
      await request("GET", `/workflow-stream/${STREAMING}/live`, { query: token });
      await request("GET", `/workflows/${MESSAGING}`, { query: token });
      await request("GET", `/workflows/${STREAMING}`, { query: "bad.token.here" });
      const redirect = await request("GET", `/workflow-stream/${STREAMING}?key=progress_stream`, {
        app: redirecting,
        query: token,
        headers: { accept: "text/event-stream" },
      });
      expect(redirect.status).toBe(307);
      expect(redirect.headers.get("location")).toBe(`${STREAMING}/live?key=progress_stream`);
      expect(logLines.length).toBeGreaterThanOrEqual(4);
      const all = logLines.join("\n");
      expect(all).not.toContain(token.split(".")[2]);
      expect(all).not.toContain("access_token");
      expect(all).not.toContain("bad.token.here");
    } finally {
      await redirecting.close();
    }
  });
});

describe("revocation", () => {
  it("refuses every token of a workflow issued before POST /workflows/{id}/tokens/revoke", async () => {
    const id = `tok-rev-${suffix}`;
    const other = await tokenFor(scope(EVENTS));
    const token = await tokenFor(scope(id));
    // Not started yet: a token may be minted first; the route then answers 404 as for anyone.
    expect((await request("GET", `/workflows/${id}`, { token })).status).toBe(404);
    const revoked = await request("POST", `/workflows/${id}/tokens/revoke`, { key: true });
    expect(revoked.status).toBe(200);
    expect(revoked.body.workflow_id).toBe(id);
    expect(Date.parse(revoked.body.revoked_before)).toBeLessThanOrEqual(Date.now());
    const refused = await request("GET", `/workflows/${id}`, { token });
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toBe("Token revoked");
    // Another workflow's tokens are untouched, and a token minted after the revocation's second works.
    expect((await request("GET", `/workflows/${EVENTS}`, { token: other })).status).toBe(200);
    const after = await tokenFor(scope(id), 60, Date.parse(revoked.body.revoked_before) + 1000);
    expect((await request("GET", `/workflows/${id}`, { token: after })).status).toBe(404);
  });
});
