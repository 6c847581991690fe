import { DBOS } from "@dbos-inc/dbos-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Channels are named by their workflow's kind: a message on a topic it does not declare is a
// 409 (nobody would ever receive it), a stream it does not write is a 404; the seed's defaults
// (`notification`, `progress_stream`) keep the seed's calls unchanged.
const SECRET = `whsec_${Buffer.from("channels test webhook secret!!!!").toString("base64")}`;
const signer = new Webhook(SECRET);
const run = Date.now();
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let worker: TestWorker;
const events = `ch-events-${run}`;
const streaming = `ch-stream-${run}`;

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  api = createTestApi(url, { webhookSecret: SECRET, log: () => {} });
  inspector = await createInspector(url);
  worker = await startWorker(url, { RECV_TIMEOUT_SECONDS: "20" });
  await api.post(`/start-workflow-events/${events}/1`);
  await api.post(`/start-workflow-streaming/${streaming}/1`);
  await inspector.result(streaming);
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  await api?.close();
});

describe("message topics", () => {
  it("refuses a message to a kind that declares no such topic, naming its topics", async () => {
    const sent = await api.post(`/send-message/${events}`, { approved: true });
    expect(sent.status).toBe(409);
    expect(sent.body.detail).toBe(
      "An 'events' workflow receives no messages on topic 'notification' (its topics: none)",
    );
    const id = `ch-msg-${run}`;
    await api.post(`/start-workflow-messaging/${id}/1`);
    const other = await api.post(`/send-message/${id}?topic=payment`, { paid: true });
    expect(other.status).toBe(409);
    expect(other.body.detail).toMatch(/topic 'payment' \(its topics: 'notification'\)/);
    // Nothing was stored for it: the approval on the declared topic is what it gets.
    const approved = await api.post(`/send-message/${id}?topic=notification`, { approved: true });
    expect(approved.status).toBe(200);
    expect(await inspector.result(id)).toMatchObject({ status: "completed" });
  });

  it("refuses a signed webhook on a topic the workflow's kind does not declare", async () => {
    const body = JSON.stringify({ workflow_id: events, topic: "payment" });
    const headers = {
      "content-type": "application/json",
      "webhook-id": `evt_${run}`,
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": signer.sign(`evt_${run}`, new Date(), body),
    };
    const sent = await api.post(`/webhooks/${events}?topic=payment`, body, headers);
    expect(sent.status).toBe(409);
    expect(sent.body.detail).toMatch(/receives no messages on topic 'payment'/);
  });
});

describe("stream keys", () => {
  it("reads the seed's stream by default and by its key alike", async () => {
    const byDefault = await api.get(`/workflow-stream/${streaming}`);
    const byKey = await api.get(`/workflow-stream/${streaming}?key=progress_stream`);
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.total_messages).toBe(4);
    expect(byKey.body).toEqual(byDefault.body);
  });

  it("answers 404 for a stream the workflow's kind does not write, snapshot or live", async () => {
    const snapshot = await api.get(`/workflow-stream/${streaming}?key=audit`);
    expect(snapshot.status).toBe(404);
    expect(snapshot.body.detail).toBe(
      "A 'streaming' workflow has no stream 'audit' (its streams: 'progress_stream')",
    );
    const live = await api.get(`/workflow-stream/${events}/live`);
    expect(live.status).toBe(404);
    expect(live.body.detail).toMatch(/An 'events' workflow has no stream 'progress_stream'/);
  });

  it("keeps the seed's empty answer for a workflow that does not exist", async () => {
    const answer = await api.get("/workflow-stream/nobody-here?key=anything");
    expect(answer.body).toEqual({
      workflow_id: "nobody-here",
      stream_values: [],
      total_messages: 0,
    });
  });
});
