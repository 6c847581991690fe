import pg from "pg";
import { createEnqueueTrigger } from "../dbos/enqueue-trigger.js";
import { createNotifyTriggers, dropNotifyTriggers } from "../dbos/notify-triggers.js";
import { MIGRATIONS, MIGRATIONS_TABLE, type Migration } from "./migrations.js";
import { lockSetup } from "./setup-lock.js";
import { runSetup } from "./setup-transaction.js";

/** What the worker's configuration asks of the schema's per-start steps. */
export interface SchemaOptions {
  /** Install the notify triggers (NOTIFY_TRIGGERS), or remove them. */
  notifyTriggers: boolean;
  /** Install the enqueue trigger (QUEUE_WAKE on, and a queue runner the wake-up can poll). */
  enqueueTrigger: boolean;
  /** How long, in all, each step may wait for locks (`STARTUP_LOCK_WAIT_MS`). */
  waitMs: number;
}

/** A migration the runner applied on this start. */
export type Applied = Pick<Migration, "version" | "name">;

/**
 * Applies the migrations `MIGRATIONS` lists that `MIGRATIONS_TABLE` does not record yet, in
 * order, in one transaction under the set-up lock, recording each. Workers starting together
 * wait for each other on the lock, so each migration runs once; the last to get the lock finds
 * them recorded. A version recorded but not listed is a newer release's (this one drains while
 * it runs) and is left alone.
 * @returns what this call applied (nothing on a plain restart).
 */
export async function applyMigrations(client: pg.ClientBase, waitMs: number): Promise<Applied[]> {
  let applied: Applied[] = [];
  await runSetup(client, { what: "the wfc schema's migrations", waitMs }, async () => {
    applied = [];
    await lockSetup(client);
    await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>(
      `SELECT version FROM ${MIGRATIONS_TABLE}`,
    );
    const recorded = new Set(rows.map((r) => r.version));
    for (const migration of MIGRATIONS) {
      if (recorded.has(migration.version)) continue;
      await migration.up(client);
      await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push({ version: migration.version, name: migration.name });
    }
  });
  return applied;
}

/**
 * The one owner of the `wfc` schema: the worker calls this once, after DBOS's own migration and
 * before `DBOS.launch()`. First the versioned migrations (`applyMigrations`); then the steps
 * that depend on this start's configuration rather than on the schema's history, run on every
 * start: the notify triggers installed or removed (NOTIFY_TRIGGERS), and the enqueue trigger
 * (QUEUE_WAKE). Each creates only what is missing or another release's, so a plain restart locks
 * no DBOS table (creating a trigger would lock its table against writes). The API role's grants
 * follow, in the worker (`functions/worker/src/schema-setup.ts`), for the same reason.
 * Each step is its own transaction, retried as `runSetup` says; gives up after `waitMs` waiting
 * for a lock (`StartupLockError`, naming the step).
 */
export async function migrateSchema(
  databaseUrl: string,
  options: SchemaOptions,
): Promise<Applied[]> {
  const { waitMs } = options;
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    const applied = await applyMigrations(client, waitMs);
    await runSetup(client, { what: "the notify triggers", waitMs }, (c) =>
      options.notifyTriggers ? createNotifyTriggers(c) : dropNotifyTriggers(c),
    );
    if (options.enqueueTrigger)
      await runSetup(client, { what: "the enqueue trigger", waitMs }, async (c) => {
        await lockSetup(c);
        await createEnqueueTrigger(c);
      });
    return applied;
  } finally {
    await client.end().catch(() => {});
  }
}
