import { createHmac, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { databaseUrlFor, DEFAULT_APP_VERSION, QUEUE_NAME } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoleEnv, dropRole, testPassword, uniqueRoleName } from "../support/api-role.js";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { until } from "../support/fault.js";
import { RECEIVING_WORKFLOW } from "../support/receiving-workflow.js";
import { startWorker, type TestWorker } from "../support/worker.js";

const RECEIVING_ENTRY = fileURLToPath(new URL("../support/receiving-worker.ts", import.meta.url));

// A 200 to a message means the workflow can still receive it. Messages sent in the moments
// around a workflow's receive timing out (before DBOS's timeout, between it and the workflow's
// end) are each either received (200) or refused (409), never answered 200 and dropped. A real
// worker process with a one-second receive (and a workflow of its own that keeps running after
// a receive timed out); the API connects as its own role, so its grants cover the check; sends
// and signed webhooks alike.
const role = uniqueRoleName("wfc_api_late");
const password = testPassword();
const SECRET_BYTES = randomBytes(32);
const run = Date.now();
let url: string;
let worker: TestWorker;
let db: pg.Pool;
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;

beforeAll(async () => {
  url = await createTestDatabase("late_messages");
  worker = await startWorker(
    url,
    { ...apiRoleEnv(role, password, 8), RECV_TIMEOUT_SECONDS: "1" },
    RECEIVING_ENTRY,
  );
  db = new pg.Pool({ connectionString: url, max: 2 });
  api = createTestApi(
    databaseUrlFor(url, role, password),
    { log: () => {}, webhookSecret: `whsec_${SECRET_BYTES.toString("base64")}` },
    { poolSize: 8 },
  );
  inspector = await createInspector(url);
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  await api?.close();
  await db?.end();
  if (url) await dropRole(role, [url]);
});

/** A Standard Webhooks delivery of `body` (HMAC-SHA256 of `id.timestamp.body`). */
function signed(id: string, body: string) {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", SECRET_BYTES)
    .update(`${id}.${timestamp}.${body}`)
    .digest("base64");
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${signature}`,
  };
}

/**
 * When DBOS times the workflow's receive out: the deadline its durable sleep recorded, a second
 * ahead when it appears, so a coarse look finds it in time.
 */
async function receiveDeadline(workflowId: string): Promise<number> {
  return until(
    `${workflowId} waiting in recv`,
    async () => {
      const steps = await inspector.client.listWorkflowSteps(workflowId);
      const sleep = steps?.find((step) => step.name === "DBOS.sleep");
      return sleep ? Number(sleep.output) : undefined;
    },
    { intervalMs: 100 },
  );
}

/** Messages stored for a workflow and never received. */
async function unreadMessages(workflowId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM dbos.notifications WHERE destination_uuid = $1 AND NOT consumed",
    [workflowId],
  );
  return rows[0]!.n;
}

/** The state of the workflow's latest receive on `topic`. */
async function receiveState(workflowId: string, topic: string): Promise<string | undefined> {
  const { rows } = await db.query<{ state: string }>(
    "SELECT state FROM wfc.receives WHERE workflow_id = $1 AND topic = $2",
    [workflowId, topic],
  );
  return rows[0]?.state;
}

describe("a message sent while the receive times out", () => {
  it("is received when answered 200 and refused 409 otherwise, never dropped", async () => {
    const count = 40;
    const sends = Array.from({ length: count }, async (_, i) => {
      const id = `late-${run}-${i}`;
      expect((await api.post(`/start-workflow-messaging/${id}/1`)).status).toBe(200);
      const deadline = await receiveDeadline(id);
      // Every 3 ms from 20 ms before DBOS's timeout to 67 ms after it (where a 200 used to be
      // dropped), then every 100 ms to 1,050 ms after it (the close and the workflow's end).
      const at = deadline + (i < 30 ? -20 + 3 * i : 150 + 100 * (i - 30));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
      const viaWebhook = i % 2 === 1;
      const answer = viaWebhook
        ? await api.post(
            `/webhooks/${id}`,
            JSON.stringify({ workflow_id: id, approved: true }),
            signed(`evt-${id}`, JSON.stringify({ workflow_id: id, approved: true })),
          )
        : await api.post(`/send-message/${id}`, { approved: true });
      const output = await inspector.result<{ status: string }>(id);
      return { id, viaWebhook, answer, output, unread: await unreadMessages(id) };
    });
    const outcomes = await Promise.all(sends);

    const lost = outcomes.filter((o) => o.answer.status === 200 && o.output.status !== "completed");
    expect(lost.map((o) => o.id)).toEqual([]);
    for (const { answer, output, unread } of outcomes) {
      expect([200, 409]).toContain(answer.status);
      if (answer.status === 200) expect(output.status).toBe("completed");
      else {
        expect(output.status).toBe("cancelled");
        expect(answer.body.detail).toMatch(/has finished|timed out/);
      }
      expect(unread).toBe(0);
    }
    // Both sides of the timeout were reached, by sends and by webhooks.
    const answered = (status: number, viaWebhook: boolean) =>
      outcomes.some((o) => o.answer.status === status && o.viaWebhook === viaWebhook);
    expect([answered(200, false), answered(409, false)]).toEqual([true, true]);
    expect([answered(200, true), answered(409, true)]).toEqual([true, true]);
  });
});

describe("a workflow that goes on after a receive timed out", () => {
  it("is refused messages on that topic (409, nothing stored or recorded) until it receives on it again", async () => {
    const id = `closed-${run}`;
    await inspector.client.enqueue({
      queueName: QUEUE_NAME,
      workflowName: RECEIVING_WORKFLOW,
      workflowID: id,
      appVersion: DEFAULT_APP_VERSION,
    });
    await until(
      `${id}'s receive closed`,
      async () => (await receiveState(id, "notification")) === "closed",
    );

    const sent = await api.post(`/send-message/${id}`, { approved: true });
    expect(sent.status).toBe(409);
    expect(sent.body.detail).toBe(
      `Workflow '${id}' is no longer waiting for a message on topic 'notification': its wait ` +
        "timed out, so nothing would receive this message (it was not stored)",
    );
    const keyed = await api.post(
      `/send-message/${id}`,
      { approved: true },
      { "idempotency-key": `key-${id}` },
    );
    expect(keyed.status).toBe(409);
    const body = JSON.stringify({ workflow_id: id, approved: true });
    const hook = await api.post(`/webhooks/${id}`, body, signed(`evt-closed-${id}`, body));
    expect(hook.status).toBe(409);
    expect(hook.body.detail).toBe(sent.body.detail);
    const { rows: recorded } = await db.query(
      "SELECT delivery_key FROM wfc.message_deliveries WHERE workflow_id = $1",
      [id],
    );
    expect(recorded).toEqual([]);
    expect(await unreadMessages(id)).toBe(0);

    // Another topic takes messages as before; once the workflow receives on `notification`
    // again, so does that one, and the refused webhook-id is free to deliver.
    expect((await api.post(`/send-message/${id}?topic=release`, { go: true })).status).toBe(200);
    await until(`${id} waiting again`, async () => {
      return (await receiveState(id, "notification")) === "waiting";
    });
    expect((await api.post(`/webhooks/${id}`, body, signed(`evt-closed-${id}`, body))).status).toBe(
      200,
    );
    expect(await inspector.result(id)).toEqual({
      first: null,
      release: { go: true },
      second: { workflow_id: id, approved: true },
    });
    expect(await receiveState(id, "notification")).toBe("received");
  });
});
