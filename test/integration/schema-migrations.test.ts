import { DBOS } from "@dbos-inc/dbos-sdk";
import {
  applyMigrations,
  DELIVERIES_TABLE,
  EXECUTORS_TABLE,
  migrateSchema,
  MIGRATIONS,
  MIGRATIONS_TABLE,
  RECEIVES_TABLE,
} from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { startWorker } from "../support/worker.js";

// The wfc schema's one owner (packages/core/src/schema/): migrations applied once, recorded,
// by workers starting together, and over a database the releases before it set up.

const everyVersion = MIGRATIONS.map((m) => m.version);
const options = { notifyTriggers: true, enqueueTrigger: true, waitMs: 30_000 };

let pools: pg.Pool[] = [];
const pool = (url: string) => {
  const created = new pg.Pool({ connectionString: url, max: 4 });
  pools.push(created);
  return created;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  pools = [];
});

const recorded = async (db: pg.Pool) =>
  (
    await db.query<{ version: number; name: string }>(
      `SELECT version, name FROM ${MIGRATIONS_TABLE} ORDER BY version`,
    )
  ).rows;

describe("on a fresh database", () => {
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase("wfc_migrate");
    await DBOS.migrate(url);
  });

  it("applies every migration once, in order, however many workers start together", async () => {
    const db = pool(url);
    const runs = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const client = await db.connect();
        try {
          return await applyMigrations(client, 30_000);
        } finally {
          client.release();
        }
      }),
    );
    const applied = runs.flat().map((a) => a.version);
    expect(applied.sort((a, b) => a - b)).toEqual(everyVersion);
    expect(await recorded(db)).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
  });

  it("applies nothing on a restart", async () => {
    expect(await migrateSchema(url, options)).toEqual([]);
    expect((await recorded(pool(url))).map((r) => r.version)).toEqual(everyVersion);
  });
});

/**
 * What a release before the migrations left behind, as it ran it (its `create*` functions'
 * statements): our schema and lock, and its tables, the executors table as the releases before
 * retirement made it (no `retired_at`). No record of migrations.
 */
const PREVIOUS_RELEASE = [
  "CREATE SCHEMA wfc",
  "CREATE TABLE wfc.setup_lock ()",
  "CREATE TABLE wfc.message_deliveries (delivery_key text PRIMARY KEY, workflow_id text NOT NULL, topic text NOT NULL, fingerprint text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
  "CREATE TABLE wfc.receives (workflow_id text NOT NULL, topic text NOT NULL, state text NOT NULL CHECK (state IN ('waiting', 'received', 'closed')), since timestamptz NOT NULL, deadline timestamptz NOT NULL, PRIMARY KEY (workflow_id, topic))",
  "CREATE TABLE wfc.executors (executor_id text PRIMARY KEY, app_version text NOT NULL, last_seen timestamptz NOT NULL DEFAULT now(), claimed_by text, claimed_at timestamptz)",
  "INSERT INTO wfc.message_deliveries (delivery_key, workflow_id, topic, fingerprint) VALUES ('old-key', 'old-workflow', 'topic', 'f1')",
  "INSERT INTO wfc.receives VALUES ('old-workflow', 'topic', 'closed', now(), now())",
  "INSERT INTO wfc.executors (executor_id, app_version) VALUES ('old-executor', 'v0')",
];

describe("on a database a release before the migrations set up", () => {
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase("wfc_migrate_old");
    await DBOS.migrate(url);
    const db = pool(url);
    for (const statement of PREVIOUS_RELEASE) await db.query(statement);
  });

  it("records every migration, brings the tables up to date and keeps their rows", async () => {
    const applied = await migrateSchema(url, options);
    expect(applied.map((a) => a.version)).toEqual(everyVersion);
    const db = pool(url);
    expect((await recorded(db)).map((r) => r.version)).toEqual(everyVersion);
    expect((await db.query(`SELECT delivery_key FROM ${DELIVERIES_TABLE}`)).rows).toEqual([
      { delivery_key: "old-key" },
    ]);
    expect((await db.query(`SELECT state FROM ${RECEIVES_TABLE}`)).rows).toEqual([
      { state: "closed" },
    ]);
    expect((await db.query(`SELECT executor_id, retired_at FROM ${EXECUTORS_TABLE}`)).rows).toEqual(
      [{ executor_id: "old-executor", retired_at: null }],
    );
  });

  it("then runs a worker", async () => {
    const worker = await startWorker(url);
    try {
      expect(worker.output.join("\n")).not.toContain("wfc schema migrated");
    } finally {
      await worker.stop();
    }
  });
});
