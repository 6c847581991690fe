import { DBOS } from "@dbos-inc/dbos-sdk";
import { readServerSentEvents } from "@wfc/client";
import { databaseUrlFor } from "@wfc/core";
import { mintToken, newTokenKey, parseKeyRing } from "@wfc/tokens";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { API_ROLE_SETTINGS, ensureApiRole } from "../../functions/worker/src/api-role.js";
import { DB_RETRY_BOUND_MS } from "../../functions/api/src/bounded-retries.js";
import {
  apiRoleEnv,
  connectionsOf,
  dropRole,
  sqlstateOf,
  testPassword,
  uniqueRoleName,
} from "../support/api-role.js";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The API connected as its own database role, which the worker creates: every route works with
// exactly the privileges the role has, the role can do nothing else, and its connection limit
// turns excess load into fast 503s.
const role = uniqueRoleName("wfc_api_role");
const password = testPassword();
const run = Date.now();
const WEBHOOK_SECRET = `whsec_${Buffer.from("api role test webhook secret!!!!").toString("base64")}`;
let url: string;
let roleUrl: string;
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let worker: TestWorker;

beforeAll(async () => {
  url = await createTestDatabase("wfc_role");
  await DBOS.migrate(url);
  worker = await startWorker(url, { ...apiRoleEnv(role, password, 8), RECV_TIMEOUT_SECONDS: "30" });
  roleUrl = databaseUrlFor(url, role, password);
  api = createTestApi(roleUrl, { webhookSecret: WEBHOOK_SECRET, log: () => {} });
  inspector = await createInspector(url);
});

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await inspector?.close();
  if (url) await dropRole(role, [url]);
});

const fib = (n: number): number => (n <= 1 ? n : fib(n - 1) + fib(n - 2));

const waitForStatus = async (id: string, status: string) => {
  while ((await inspector.status(id)) !== status) await new Promise((r) => setTimeout(r, 20));
};

describe("the worker keeps the role", () => {
  it("says so without ever printing the password", () => {
    expect(worker.output.some((line) => line.includes('"api role ready"'))).toBe(true);
    expect(worker.output.join("\n")).not.toContain(password);
  });

  it("gives its sessions the role's timeouts without the API sending a SET", async () => {
    const client = new pg.Client({ connectionString: roleUrl });
    await client.connect();
    try {
      for (const [name, value] of Object.entries(API_ROLE_SETTINGS))
        expect((await client.query(`SHOW ${name}`)).rows[0][name]).toBe(value);
    } finally {
      await client.end();
    }
  });
});

describe("what a resume and a send read to refuse a retired version", () => {
  it("the role reads whether each version's workers are alive or retired, and nothing more", async () => {
    expect(
      await sqlstateOf(roleUrl, "SELECT app_version, last_seen, retired_at FROM wfc.executors"),
    ).toBe(undefined);
  });
});

describe("what a send reads to refuse a topic whose receive timed out", () => {
  it("the role reads each receive's state, and locks a workflow's status row as cancel may", async () => {
    expect(await sqlstateOf(roleUrl, "SELECT workflow_id, topic, state FROM wfc.receives")).toBe(
      undefined,
    );
    // And when a waiting one began and times out: what GET /workflows/{id} shows it waits for.
    expect(await sqlstateOf(roleUrl, "SELECT since, deadline FROM wfc.receives")).toBe(undefined);
    expect(await sqlstateOf(roleUrl, "SELECT 1 FROM dbos.workflow_status LIMIT 1 FOR SHARE")).toBe(
      undefined,
    );
  });
});

/** `waiting_for` of GET /workflows/{id} as the role, once set (null after 10 s). */
async function waitingFor(id: string) {
  for (const until = Date.now() + 10_000; Date.now() < until;) {
    const { waiting_for } = (await api.get(`/workflows/${id}`)).body;
    if (waiting_for) return waiting_for as unknown;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

describe("a role granted by an older worker (no receive times)", () => {
  it("still answers GET /workflows/{id}, waiting for nothing", async () => {
    const id = `role-old-grants-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    expect(await waitingFor(id)).toMatchObject({ topic: "notification" });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`REVOKE SELECT (since, deadline) ON wfc.receives FROM ${role}`);
      const answer = await api.get(`/workflows/${id}`);
      expect(answer).toMatchObject({ status: 200, body: { status: "PENDING", waiting_for: null } });
    } finally {
      await admin.query(`GRANT SELECT (since, deadline) ON wfc.receives TO ${role}`);
      await admin.end();
    }
    await api.post(`/send-message/${id}`, { approved: true });
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
  });
});

describe("every route works as the role", () => {
  it("GET /health", async () => {
    expect((await api.get("/health")).status).toBe(200);
  });

  it("events: start, wait for the result, read each key and all of them", async () => {
    const id = `role-events-${run}`;
    expect((await api.post(`/start-workflow-events/${id}/2`)).status).toBe(200);
    const result = await api.get(`/workflow-events/${id}/result?timeout=20`);
    expect(result.status).toBe(200);
    expect(result.body.value).toEqual({ total_steps: 2, total_fibonacci: fib(28) + fib(29) });
    expect((await api.get(`/workflow-events/${id}/progress`)).body.value).toBe(100);
    expect((await api.get(`/workflow-events/${id}/all`)).body.events).toMatchObject({
      status: "completed",
      progress: 100,
    });
    const missing = await api.get(`/workflow-events/${id}/never_set?timeout=1`);
    expect(missing.status).toBe(404);
  });

  it("events: the live feed of a progress bar", async () => {
    const id = `role-events-live-${run}`;
    await api.post(`/start-workflow-events/${id}/2`);
    const response = await api.app.request(`/workflow-events/${id}/all`, {
      headers: { accept: "text/event-stream" },
    });
    expect(response.status).toBe(200);
    const keys: string[] = [];
    for await (const event of readServerSentEvents(response.body!)) {
      if (event.event === "end") break;
      keys.push((JSON.parse(event.data) as { key: string }).key);
    }
    expect(keys).toContain("result");
  });

  it("messaging: a send wakes the workflow, a repeated Idempotency-Key delivers once", async () => {
    const id = `role-msg-${run}`;
    await api.post(`/start-workflow-messaging/${id}/2`);
    const headers = { "idempotency-key": `approve-${run}` };
    expect((await api.post(`/send-message/${id}`, { approved: true }, headers)).status).toBe(200);
    expect((await api.post(`/send-message/${id}`, { approved: true }, headers)).status).toBe(200);
    expect(await inspector.result(id)).toEqual({
      status: "completed",
      results: [10, 11].map((n) => ({ n, fibonacci: fib(n) })),
    });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM dbos.notifications WHERE destination_uuid = $1",
        [id],
      );
      expect(rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
    expect((await api.post("/send-message/no-such-workflow", { approved: true })).status).toBe(404);
  });

  it("webhooks: a signed delivery once, its webhook-id refused for another workflow", async () => {
    const [id, other] = [`role-hook-${run}`, `role-hook-other-${run}`];
    await api.post(`/start-workflow-messaging/${id}/1`);
    await api.post(`/start-workflow-messaging/${other}/1`);
    const signer = new Webhook(WEBHOOK_SECRET);
    const deliver = (to: string, approved: boolean) => {
      const body = JSON.stringify({ workflow_id: to, approved });
      return api.post(`/webhooks/${to}`, body, {
        "webhook-id": `evt_${run}`,
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": signer.sign(`evt_${run}`, new Date(), body),
      });
    };
    expect((await deliver(id, true)).status).toBe(200);
    expect((await deliver(id, true)).status).toBe(200);
    expect((await deliver(other, true)).status).toBe(409);
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
    expect((await api.post(`/send-message/${id}`, { approved: true })).status).toBe(409);
    await api.post(`/send-message/${other}`, { approved: false });
    expect(await inspector.result(other)).toMatchObject({ status: "cancelled" });
  });

  it("streaming: a live feed to the end, then snapshots from any offset", async () => {
    const id = `role-stream-${run}`;
    await api.post(`/start-workflow-streaming/${id}/2`);
    const response = await api.app.request(`/workflow-stream/${id}/live`);
    const offsets: string[] = [];
    for await (const event of readServerSentEvents(response.body!)) {
      if (event.event === "end") break;
      offsets.push(event.id!);
    }
    expect(offsets).toEqual(["0", "1", "2", "3", "4", "5"]);
    expect((await api.get(`/workflow-stream/${id}`)).body.total_messages).toBe(6);
    expect((await api.get(`/workflow-stream/${id}?offset=4`)).body.stream_values).toHaveLength(2);
  });

  it("an existing ID started as another kind answers 409", async () => {
    const id = `role-kind-${run}`;
    await api.post(`/start-workflow-streaming/${id}/1`);
    expect((await api.post(`/start-workflow-events/${id}/1`)).status).toBe(409);
  });

  it("an existing ID started with other parameters answers 409, with its own 200", async () => {
    const id = `role-params-${run}`;
    const first = await api.post(`/start-workflow-document-review/${id}/2`);
    expect(first.status).toBe(200);
    expect((await api.post(`/start-workflow-document-review/${id}/50`)).status).toBe(409);
    expect(await api.post(`/start-workflow-document-review/${id}/2`)).toMatchObject({
      status: 200,
      body: first.body,
    });
  });

  it("workflow management: get, list, cancel, resume", async () => {
    const id = `role-mgmt-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    await waitForStatus(id, "PENDING");
    expect((await api.get(`/workflows/${id}`)).body).toMatchObject({ kind: "messaging" });
    expect(await waitingFor(id)).toMatchObject({ topic: "notification" });
    const listed = await api.get("/workflows?kind=messaging&limit=100");
    expect(listed.body.workflows.map((w: { workflow_id: string }) => w.workflow_id)).toContain(id);
    expect((await api.post(`/workflows/${id}/cancel`)).body.status).toBe("CANCELLED");
    expect(["ENQUEUED", "PENDING"]).toContain(
      (await api.post(`/workflows/${id}/resume`)).body.status,
    );
    await api.post(`/send-message/${id}`, { approved: true });
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
    expect((await api.get(`/workflows/${id}`)).body).toMatchObject({ status: "SUCCESS" });
  });

  it("GET /versions: the worker's version, current, with its in-flight counts", async () => {
    const { status, body } = await api.get("/versions");
    expect(status).toBe(200);
    expect(body.latest).toBe("1");
    expect(body.versions[0]).toMatchObject({ version: "1", state: "current" });
  });

  it("GET / fans out five children", async () => {
    const { status, body } = await api.get("/");
    expect(status).toBe(200);
    expect(body.handles_status).toHaveLength(5);
  });
});

describe("the role can do nothing else", () => {
  it.each([
    ["create a table in dbos", "CREATE TABLE dbos.evil (id int)"],
    ["create a table in public", "CREATE TABLE public.evil (id int)"],
    ["create a temporary table", "CREATE TEMP TABLE evil (id int)"],
    ["create a schema", "CREATE SCHEMA evil"],
    ["alter a dbos table", "ALTER TABLE dbos.workflow_status ADD COLUMN evil int"],
    ["drop a dbos table", "DROP TABLE dbos.notifications"],
    ["truncate a dbos table", "TRUNCATE dbos.workflow_status"],
    ["delete workflows", "DELETE FROM dbos.workflow_status"],
    ["rename workflows", "UPDATE dbos.workflow_status SET name = 'evil'"],
    ["read step outputs", "SELECT * FROM dbos.operation_outputs"],
    ["read messages", "SELECT message FROM dbos.notifications"],
    ["read wfc.executors", "SELECT * FROM wfc.executors"],
    ["read which workers run", "SELECT executor_id, claimed_by FROM wfc.executors"],
    ["record a retirement", "UPDATE wfc.executors SET retired_at = now()"],
    ["forget a delivery", "DELETE FROM wfc.message_deliveries"],
    ["rewrite a delivery", "UPDATE wfc.message_deliveries SET workflow_id = 'evil'"],
    ["close a receive", "UPDATE wfc.receives SET state = 'closed'"],
    ["forget a receive", "DELETE FROM wfc.receives"],
    [
      "open a receive",
      "INSERT INTO wfc.receives VALUES ('x', 'notification', 'waiting', now(), now())",
    ],
    ["lock a receive", "SELECT state FROM wfc.receives FOR SHARE"],
    ["create a table in wfc", "CREATE TABLE wfc.evil (id int)"],
    [
      "write wfc.executors",
      "INSERT INTO wfc.executors (executor_id, app_version) VALUES ('x', '1')",
    ],
    ["register a version", "INSERT INTO dbos.application_versions VALUES ('x', 'x')"],
    ["retime a version", "UPDATE dbos.application_versions SET version_timestamp = 0"],
    ["create a role", "CREATE ROLE evil"],
    ["create a large object", "SELECT lo_create(0)"],
    ["create a large object (lo_creat)", "SELECT lo_creat(-1)"],
    ["create a large object from bytes", "SELECT lo_from_bytea(0, 'disk outside every table')"],
    ["import a server file as a large object", "SELECT lo_import('/etc/hostname')"],
    [
      "take the worker's start-up lock",
      "BEGIN; LOCK TABLE wfc.setup_lock IN ACCESS SHARE MODE; COMMIT",
    ],
  ])("refuses to %s (42501)", async (_, statement) => {
    expect(await sqlstateOf(roleUrl, statement)).toBe("42501");
  });
});

describe("the role across starts and workers", () => {
  it("is kept by several workers of several databases at once, and still logs in", async () => {
    const shared = uniqueRoleName("wfc_api_race");
    const other = await createTestDatabase("wfc_role");
    await DBOS.migrate(other);
    const sharedPassword = testPassword();
    try {
      await Promise.all(
        [url, other, url, other].map((databaseUrl) =>
          ensureApiRole({
            databaseUrl,
            role: shared,
            password: sharedPassword,
            connectionLimit: 3,
            waitMs: 30_000,
          }),
        ),
      );
      for (const databaseUrl of [url, other]) {
        const asRole = databaseUrlFor(databaseUrl, shared, sharedPassword);
        expect(await sqlstateOf(asRole, "SELECT count(*) FROM dbos.workflow_status")).toBe(
          undefined,
        );
      }
    } finally {
      await dropRole(shared, [url, other]);
    }
  });
});

describe("a worker whose user is no superuser (RDS's master user)", () => {
  it("cannot revoke large-object creation, and reports each function the role may still call", async () => {
    const master = uniqueRoleName("wfc_master");
    const masterPassword = testPassword();
    const limitedRole = uniqueRoleName("wfc_api_nosuper");
    const adminUrl = inject("adminDatabaseUrl");
    const admin = async (statement: string) => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(statement);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD '${masterPassword}'`);
    const databaseUrl = await createTestDatabase("wfc_nosuper");
    const database = new URL(databaseUrl).pathname.slice(1);
    await admin(`ALTER DATABASE ${database} OWNER TO ${master}`);
    try {
      const asMaster = databaseUrlFor(databaseUrl, master, masterPassword);
      await DBOS.migrate(asMaster);
      const report = await ensureApiRole({
        databaseUrl: asMaster,
        role: limitedRole,
        password: testPassword(),
        connectionLimit: 2,
        waitMs: 30_000,
      });
      expect(report.largeObjectFunctions.sort()).toEqual([
        "lo_creat(integer)",
        "lo_create(oid)",
        "lo_from_bytea(oid,bytea)",
      ]);
    } finally {
      await admin(`DROP DATABASE ${database} WITH (FORCE)`);
      await admin(`DROP ROLE IF EXISTS ${limitedRole}`);
      await admin(`DROP ROLE ${master}`);
    }
  });

  it("a superuser worker revokes it: the report is empty", async () => {
    const report = await ensureApiRole({
      databaseUrl: url,
      role,
      password,
      connectionLimit: 8,
      waitMs: 30_000,
    });
    expect(report.largeObjectFunctions).toEqual([]);
  });
});

describe("the connection limit", () => {
  const limited = uniqueRoleName("wfc_api_limit");
  const limit = 4;
  const extra = 3;
  let limitedUrl: string;
  beforeAll(async () => {
    const limitedPassword = testPassword();
    await ensureApiRole({
      databaseUrl: url,
      role: limited,
      password: limitedPassword,
      connectionLimit: limit,
      waitMs: 30_000,
    });
    limitedUrl = databaseUrlFor(url, limited, limitedPassword);
  });
  afterAll(() => dropRole(limited, [url]));

  // Each its own backend and pool, as separate Lambda environments are; each keeps its
  // connection (idle clients stay pooled), so exactly `limit` of them get one.
  const environments = () =>
    Array.from({ length: limit + extra }, () =>
      createTestApi(limitedUrl, { log: () => {} }, { poolSize: 2 }),
    );
  const timed = async <T>(call: () => Promise<T>) => {
    const started = performance.now();
    const answer = await call();
    return { answer, ms: performance.now() - started };
  };

  it.each([
    ["a read", "GET", `/workflow-events/limit-${run}/all`, 1_000],
    ["a start", "POST", `/start-workflow-events/limit-start-${run}/1`, DB_RETRY_BOUND_MS + 1_000],
  ])(
    "answers the excess of %s 503 with Retry-After, quickly, and never 500",
    async (_, method, path, boundMs) => {
      const apis = environments();
      const call = (a: (typeof apis)[number]) =>
        timed(() => (method === "GET" ? a.get(path) : a.post(path)));
      try {
        // The first `limit` one after another (each keeps its connection), then the excess at
        // once: racing all of them, a refused attempt still holds a slot while it authenticates,
        // and under load one more than the excess can be refused.
        const answers = [];
        for (const a of apis.slice(0, limit)) answers.push(await call(a));
        answers.push(...(await Promise.all(apis.slice(limit).map(call))));
        const statuses = answers.map((a) => a.answer.status).sort();
        expect(statuses).toEqual([
          ...Array<number>(limit).fill(200),
          ...Array<number>(extra).fill(503),
        ]);
        for (const { answer, ms } of answers.filter((a) => a.answer.status === 503)) {
          expect(answer.headers.get("retry-after")).toBe("1");
          expect(answer.body.detail).toMatch(/unavailable/);
          expect(ms).toBeLessThan(boundMs);
        }
        console.log(
          `[api-role] ${method} with limit ${limit}, ${limit + extra} environments: slowest 503 ` +
            `${Math.round(Math.max(...answers.filter((a) => a.answer.status === 503).map((a) => a.ms)))} ms`,
        );
        expect(await connectionsOf(url, limited)).toBeLessThanOrEqual(limit);
      } finally {
        await Promise.all(apis.map((a) => a.close()));
      }
    },
  );
});

describe("capability tokens as the role", () => {
  it("a token's request reads the revocations, a revocation writes them", async () => {
    const ring = parseKeyRing(newTokenKey("role"));
    const tokens = createTestApi(roleUrl, { tokenKeys: ring, log: () => {} });
    try {
      const id = `role-token-${run}`;
      expect((await tokens.post(`/start-workflow-events/${id}/1`)).status).toBe(200);
      const scope = { workflow_id: id, events: "*", streams: "*", topics: [] } as const;
      const { token } = await mintToken(ring, scope, 60);
      const read = await tokens.app.request(`/workflows/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(read.status).toBe(200);
      // Twice: the second updates the row the first inserted.
      for (let i = 0; i < 2; i++)
        expect((await tokens.post(`/workflows/${id}/tokens/revoke`)).status).toBe(200);
      const revoked = await tokens.app.request(`/workflows/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(revoked.status).toBe(401);
    } finally {
      await tokens.close();
    }
  });
});
