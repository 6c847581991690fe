import { DBOS } from "@dbos-inc/dbos-sdk";
import { createMessageStore, decodeValue, DELIVER_MESSAGE_FUNCTION } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// A message is stored only where a workflow can still receive it, and the 200 says what was
// stored: no row left forever for a finished workflow, no key that silently drops a message.
const run = Date.now();
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let worker: TestWorker;
let db: pg.Pool;

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  db = new pg.Pool({ connectionString: url, max: 2 });
  api = createTestApi(url);
  inspector = await createInspector(url);
  worker = await startWorker(url, { RECV_TIMEOUT_SECONDS: "20" });
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  await api?.close();
  await db?.end();
});

/** Messages ever stored for a workflow (consumed ones stay, flagged). */
async function storedMessages(workflowId: string): Promise<unknown[]> {
  const { rows } = await db.query<{ message_uuid: string }>(
    "SELECT message_uuid FROM dbos.notifications WHERE destination_uuid = $1",
    [workflowId],
  );
  return rows.map((r) => r.message_uuid);
}

const waitForStatus = async (id: string, status: string) => {
  while ((await inspector.status(id)) !== status) await new Promise((r) => setTimeout(r, 20));
};

/** A messaging workflow that has consumed its approval and finished. */
async function finishedMessaging(id: string) {
  await api.post(`/start-workflow-messaging/${id}/1`);
  expect((await api.post(`/send-message/${id}`, { approved: true })).status).toBe(200);
  await inspector.result(id);
}

describe("messages to workflows that have finished", () => {
  it("answers 409 to a send after the workflow succeeded, and stores nothing", async () => {
    const id = `done-${run}`;
    await finishedMessaging(id);
    const late = await api.post(`/send-message/${id}`, { approved: true });
    expect(late.status).toBe(409);
    expect(late.body.detail).toBe(
      `Workflow '${id}' has finished (SUCCESS): nothing would receive this message`,
    );
    expect(await storedMessages(id)).toHaveLength(1);
  });

  it.each(["ERROR", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"])(
    "answers 409 to a send after the workflow ended in %s",
    async (status) => {
      const id = `ended-${status}-${run}`;
      await finishedMessaging(id);
      // The outcome a failing or crash-looping workflow leaves; its history is the same.
      await db.query("UPDATE dbos.workflow_status SET status = $2 WHERE workflow_uuid = $1", [
        id,
        status,
      ]);
      const late = await api.post(`/send-message/${id}`, { approved: true });
      expect(late.status).toBe(409);
      expect(late.body.detail).toMatch(`has finished (${status})`);
      expect(await storedMessages(id)).toHaveLength(1);
    },
  );

  it("refuses a send to a cancelled workflow until it is resumed, which then receives it", async () => {
    const id = `cancelled-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    await waitForStatus(id, "PENDING");
    expect((await api.post(`/workflows/${id}/cancel`)).status).toBe(200);
    const refused = await api.post(`/send-message/${id}`, { approved: true });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/is cancelled.*resume it first/);
    expect(await storedMessages(id)).toEqual([]);
    expect((await api.post(`/workflows/${id}/resume`)).status).toBe(200);
    expect((await api.post(`/send-message/${id}`, { approved: true })).status).toBe(200);
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
  });
});

describe("Idempotency-Key", () => {
  it("refuses the same key with a different message, so the 200 never hides a dropped one", async () => {
    const id = `reuse-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    const key = { "idempotency-key": `decision-${run}` };
    expect((await api.post(`/send-message/${id}`, { approved: false }, key)).status).toBe(200);
    const changed = await api.post(`/send-message/${id}`, { approved: true }, key);
    expect(changed.status).toBe(409);
    expect(changed.body.detail).toBe(
      `Idempotency-Key 'decision-${run}' was already used with a different message; use a new key for a new message`,
    );
    expect(await inspector.result(id)).toMatchObject({ status: "cancelled" });
    expect(await storedMessages(id)).toHaveLength(1);
  });

  it("answers a retry of a delivered send 200, even after its workflow has finished", async () => {
    const id = `retry-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    const key = { "idempotency-key": `approve-${run}` };
    const first = await api.post(`/send-message/${id}`, { approved: true }, key);
    await inspector.result(id);
    const retry = await api.post(`/send-message/${id}`, { approved: true }, key);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(await storedMessages(id)).toHaveLength(1);
  });

  it("stores one message when two sends with the same key race, and answers both 200", async () => {
    const id = `race-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    const key = { "idempotency-key": `race-${run}` };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => api.post(`/send-message/${id}`, { approved: true }, key)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(await storedMessages(id)).toHaveLength(1);
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
  });

  it("refuses a new key for a finished workflow and records nothing under it", async () => {
    const id = `late-key-${run}`;
    await finishedMessaging(id);
    const key = { "idempotency-key": `late-${run}` };
    expect((await api.post(`/send-message/${id}`, { approved: true }, key)).status).toBe(409);
    const { rows } = await db.query(
      "SELECT 1 FROM wfc.message_deliveries WHERE delivery_key = $1",
      [`send ${id} late-${run}`],
    );
    expect(rows).toEqual([]);
  });

  it("keeps the keys of two workflows apart when IDs and keys hold '::'", async () => {
    // DBOS stores a keyed message as `<key>::<workflow_id>`: here both would be `k::x::y-<run>`.
    const [a, b] = [`x::y-${run}`, `y-${run}`];
    await api.post(`/start-workflow-messaging/${a}/1`);
    await api.post(`/start-workflow-messaging/${b}/1`);
    const toA = await api.post(
      `/send-message/${a}`,
      { approved: true },
      { "idempotency-key": "k" },
    );
    const toB = await api.post(
      `/send-message/${b}`,
      { approved: true },
      { "idempotency-key": "k::x" },
    );
    expect([toA.status, toB.status]).toEqual([200, 200]);
    expect(await inspector.result(a)).toMatchObject({ status: "completed" });
    expect(await inspector.result(b)).toMatchObject({ status: "completed" });
  });

  it("stores a plain key as DBOS always has, `<key>::<workflow_id>`", async () => {
    const id = `plain-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    await api.post(`/send-message/${id}`, { approved: true }, { "idempotency-key": "approval-42" });
    expect(await storedMessages(id)).toEqual([`approval-42::${id}`]);
    await inspector.result(id);
  });
});

describe("a database whose worker has not created the store function yet", () => {
  it("stores and refuses as the function does, with the same statement inline", async () => {
    const id = `inline-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    await db.query(`DROP FUNCTION ${DELIVER_MESSAGE_FUNCTION}`);
    try {
      expect((await api.post(`/send-message/${id}?topic=other`, { approved: true })).status).toBe(
        409,
      );
      const key = { "idempotency-key": `inline-${run}` };
      expect((await api.post(`/send-message/${id}`, { approved: true }, key)).status).toBe(200);
      expect((await api.post(`/send-message/${id}`, { approved: true }, key)).status).toBe(200);
      expect(await storedMessages(id)).toHaveLength(1);
      expect((await api.post("/send-message/no-such-workflow", { approved: true })).status).toBe(
        404,
      );
    } finally {
      await createMessageStore(db);
    }
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
  });
});

describe("the echo is what was stored", () => {
  it.each([
    ["a number too large for a double", '{"approved": true, "amount": 1e309}', /too large/],
    ["a nested one", '{"approved": true, "items": [1, {"n": -1e400}]}', /items\[1\]\.n/],
    ["a __proto__ key", '{"__proto__": {"approved": true}}', /"__proto__"/],
    ["a nested __proto__ key", '{"approved": true, "a": {"__proto__": {}}}', /"__proto__"/],
  ])("refuses %s with 422 and stores nothing", async (_, body, detail) => {
    const id = `faithful-${Math.random().toString(36).slice(2)}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    const sent = await api.post(`/send-message/${id}`, body, {
      "content-type": "application/json",
    });
    expect(sent.status).toBe(422);
    expect(sent.body.detail).toMatch(detail);
    expect(await storedMessages(id)).toEqual([]);
    await api.post(`/send-message/${id}`, { approved: false });
    await inspector.result(id);
  });

  it("delivers to the workflow exactly the payload the 200 echoed", async () => {
    const id = `echo-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    const sent = await api.post(
      `/send-message/${id}`,
      '{"approved": true, "zero": -0, "big": 12345678901234567890, "nested": {"list": [-0.0]}}',
    );
    expect(sent.status).toBe(200);
    await inspector.result(id);
    const { rows } = await db.query<{ message: string; serialization: string }>(
      "SELECT message, serialization FROM dbos.notifications WHERE destination_uuid = $1",
      [id],
    );
    const stored = await decodeValue(rows[0]!.message, rows[0]!.serialization);
    expect(Object.is((stored as { zero: number }).zero, 0)).toBe(true);
    expect(stored).toStrictEqual(sent.body.payload);
  });
});
