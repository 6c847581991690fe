import { lockSetup, WFC_SCHEMA } from "@wfc/core";
import type pg from "pg";
import { runSetup } from "./setup-transaction.js";

/**
 * DBOS has no notion of a live executor, so each worker records one row here and refreshes it
 * (see `takeover.ts` for who reads it).
 */
export const EXECUTORS_TABLE = `${WFC_SCHEMA}.executors`;

/**
 * Creates the executors table if it does not exist yet; safe for workers starting together (the
 * set-up lock serialises them, since CREATE TABLE IF NOT EXISTS can still fail with a unique
 * violation when two sessions run it at the same moment). Only the worker uses it. Gives up
 * after `waitMs` waiting for a lock (`StartupLockError`).
 */
export async function ensureExecutorsTable(pool: pg.Pool, waitMs: number) {
  const client = await pool.connect();
  try {
    await runSetup(client, { what: "the executors table", waitMs }, async () => {
      await lockSetup(client);
      await client.query(`CREATE TABLE IF NOT EXISTS ${EXECUTORS_TABLE} (
        executor_id text PRIMARY KEY,
        app_version text NOT NULL,
        last_seen timestamptz NOT NULL DEFAULT now(),
        claimed_by text,
        claimed_at timestamptz
      )`);
    });
  } finally {
    client.release();
  }
}

/**
 * Records that `executorId` is alive now (by the database's clock, so workers' clocks never
 * matter). A beat also drops any claim on the row: an executor that comes back under the same
 * ID recovers its own workflows at launch, so nobody else should.
 */
export async function beat(pool: pg.Pool, executorId: string, appVersion: string) {
  await pool.query(
    `INSERT INTO ${EXECUTORS_TABLE} (executor_id, app_version, last_seen)
     VALUES ($1, $2, now())
     ON CONFLICT (executor_id) DO UPDATE
       SET app_version = EXCLUDED.app_version, last_seen = now(),
           claimed_by = NULL, claimed_at = NULL`,
    [executorId, appVersion],
  );
}
