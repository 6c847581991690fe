import { DBOS } from "@dbos-inc/dbos-sdk";
import { readAllEvents, readStoredStart, readStreamSnapshot } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Our SQL readers read DBOS's system tables directly. These tests pin the format the SDK
// writes and check that the readers agree with the SDK's own readers on real rows.
let db: pg.Pool;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let api: ReturnType<typeof createTestApi>;
let worker: TestWorker;
const eventsId = `fmt-events-${Date.now()}`;
const streamId = `fmt-stream-${Date.now()}`;

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  db = new pg.Pool({ connectionString: url, max: 2 });
  inspector = await createInspector(url);
  api = createTestApi(url);
  worker = await startWorker(url);
  await api.post(`/start-workflow-events/${eventsId}/2`);
  await api.post(`/start-workflow-streaming/${streamId}/2`);
  await inspector.result(eventsId);
  await inspector.result(streamId);
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await inspector?.close();
  await db?.end();
});

describe("stored format (DBOS SDK 5.3.0)", () => {
  it("stores event values as superjson envelopes", async () => {
    const { rows } = await db.query(
      "SELECT key, value, serialization FROM dbos.workflow_events WHERE workflow_uuid = $1 AND key = 'progress'",
      [eventsId],
    );
    expect(rows).toEqual([
      {
        key: "progress",
        value: '{"json":100,"__dbos_serializer":"superjson"}',
        serialization: "js_superjson",
      },
    ]);
  });

  it("ends a closed stream with the portable sentinel row", async () => {
    const { rows } = await db.query(
      `SELECT "offset", value, serialization FROM dbos.streams WHERE workflow_uuid = $1 ORDER BY "offset" DESC LIMIT 1`,
      [streamId],
    );
    expect(rows).toEqual([
      { offset: 6, value: '"__DBOS_STREAM_CLOSED__"', serialization: "portable_json" },
    ]);
  });
});

describe("readers agree with the SDK", () => {
  it("reads every event as client.getEvent does", async () => {
    const events = await readAllEvents(db, eventsId);
    expect(Object.keys(events).sort()).toEqual(["progress", "result", "status"]);
    for (const [key, value] of Object.entries(events)) {
      expect(await inspector.client.getEvent(eventsId, key, 0)).toEqual(value);
    }
  });

  it("reads the stream as client.readStream does, and knows it is closed", async () => {
    const fromSdk: unknown[] = [];
    for await (const value of inspector.client.readStream(streamId, "progress_stream"))
      fromSdk.push(value);
    const snapshot = await readStreamSnapshot(db, streamId, "progress_stream");
    expect(snapshot).toEqual({ values: fromSdk, offset: 0, closed: true });
    expect(fromSdk).toHaveLength(6);
  });

  it("reads a workflow's name and arguments as client.getWorkflow does", async () => {
    const fromSdk = await inspector.client.getWorkflow(eventsId);
    expect(await readStoredStart(db, eventsId)).toEqual({
      name: fromSdk!.workflowName,
      args: fromSdk!.input,
    });
    expect(fromSdk!.input).toEqual([2]);
  });

  it("reads from an offset", async () => {
    const snapshot = await readStreamSnapshot(db, streamId, "progress_stream", 4);
    expect(snapshot.values.map((v) => (v as { type: string }).type)).toEqual([
      "result",
      "complete",
    ]);
    expect(snapshot.closed).toBe(true);
  });
});
