import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import {
  APP_NAME,
  dbosMessageUuid,
  dbosQueuePoller,
  dbosSdkVersion,
  FORCE_MISSING_ENV,
  INTERNAL_DEPENDENCIES,
  internalProblems,
  QUEUE_NAME,
  readLatestVersion,
  SYSTEM_TABLE_COLUMNS,
  SYSTEM_TABLES_USED,
} from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { startWorker } from "../support/worker.js";

// What packages/core/src/dbos/ relies on in the SDK, held against the installed one: an SDK
// upgrade that changes any of it fails here (README.md there says what each is for).

let url: string;
let db: pg.Pool;
let client: DBOSClient;

beforeAll(async () => {
  url = await createTestDatabase("wfc_contract");
  await DBOS.migrate(url);
  client = await DBOSClient.create({ systemDatabaseUrl: url, applicationName: APP_NAME });
  db = new pg.Pool({ connectionString: url, max: 2 });
});
afterAll(() => Promise.all([client?.destroy(), db?.end()]));

describe("the SDK's internals", () => {
  it("has every one the adapter uses, with its expected type", () => {
    expect(internalProblems()).toEqual([]);
    for (const dependency of INTERNAL_DEPENDENCIES) {
      const value = dependency.get();
      if (dependency.type === "Map") expect(value, dependency.name).toBeInstanceOf(Map);
      else if (dependency.type === "object") expect(value, dependency.name).toBeTypeOf("object");
      else expect(value, dependency.name).toBeTypeOf(dependency.type);
    }
  });

  it("takes the arguments the adapter passes", () => {
    const arity = (name: string) =>
      (INTERNAL_DEPENDENCIES.find((d) => d.name === name)!.get() as (...a: unknown[]) => unknown)
        .length;
    // pollQueue(executor, queue); recoverPendingWorkflows(executorIds); the decoders take the
    // stored text, its serialization and the serializer.
    expect(arity("wfqueue.wfQueueRunner.pollQueue")).toBe(2);
    expect(
      arity("dbos-executor.DBOSExecutor.prototype.recoverPendingWorkflows"),
    ).toBeLessThanOrEqual(1);
    expect(arity("serialization.deserializeValue")).toBe(3);
    expect(arity("serialization.deserializePositionalArgs")).toBe(3);
    expect(arity("context.runWithAbortableDbRetries")).toBe(2);
    expect(dbosQueuePoller()).toBeDefined();
  });

  it("says which SDK release runs, for the worker's refusal to start", () => {
    expect(dbosSdkVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("the system tables, as DBOS.migrate creates them", () => {
  it("have every column the adapter's SQL names, with its type", async () => {
    const { rows } = await db.query<{ table: string; column: string; type: string }>(
      `SELECT table_name AS table, column_name AS column, data_type AS type
         FROM information_schema.columns
        WHERE table_schema = 'dbos' AND table_name = ANY($1)`,
      [Object.keys(SYSTEM_TABLE_COLUMNS)],
    );
    const found: Record<string, Record<string, string>> = {};
    for (const { table, column, type } of rows) (found[table] ??= {})[column] = type;
    for (const [table, columns] of Object.entries(SYSTEM_TABLE_COLUMNS))
      for (const [column, type] of Object.entries(columns))
        expect(found[table]?.[column], `dbos.${table}.${column}`).toBe(type);
  });

  it("include every table a trigger or a grant is attached to", async () => {
    const { rows } = await db.query<{ table: string }>(
      "SELECT table_name AS table FROM information_schema.tables WHERE table_schema = 'dbos'",
    );
    expect(rows.map((r) => r.table)).toEqual(expect.arrayContaining(SYSTEM_TABLES_USED));
  });

  it("keep a keyed message's message_uuid in the form our sends write", async () => {
    const workflowId = `contract-${Date.now()}`;
    await client.enqueue({
      workflowName: "contract",
      queueName: QUEUE_NAME,
      workflowID: workflowId,
    });
    await client.send(workflowId, "hello", "topic", "key-1");
    const { rows } = await db.query<{ uuid: string }>(
      "SELECT message_uuid AS uuid FROM dbos.notifications WHERE destination_uuid = $1",
      [workflowId],
    );
    expect(rows.map((r) => r.uuid)).toEqual([dbosMessageUuid(workflowId, "key-1")]);
  });

  it("answer no latest version before any launch, through the SDK's public call", async () => {
    expect(await readLatestVersion(client)).toBeUndefined();
  });
});

describe("a worker on an SDK without what takeover needs", () => {
  it("refuses to start, naming the SDK's version", async () => {
    const failure = await startWorker(url, {
      [FORCE_MISSING_ENV]: "dbos-executor.DBOSExecutor.prototype.recoverPendingWorkflows",
    }).then(
      (worker) => worker.stop().then(() => undefined),
      (error: unknown) => String(error),
    );
    expect(failure).toContain("exited with code 1");
    expect(failure).toContain(`DBOS SDK ${dbosSdkVersion()} does not have`);
    expect(failure).toContain("recoverPendingWorkflows");
  });

  it("without the queue runner's internals, starts and leaves dispatch to polling", async () => {
    const worker = await startWorker(url, {
      [FORCE_MISSING_ENV]: "wfqueue.wfQueueRunner.pollQueue",
    });
    try {
      expect(worker.output.join("\n")).toContain("queue wake-up unavailable with this DBOS SDK");
    } finally {
      await worker.stop();
    }
  });
});
