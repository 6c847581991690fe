import { DELIVERIES_TABLE } from "../db/deliveries.js";
import { WFC_SCHEMA, type Queryable } from "../db/queryable.js";
import { EXECUTORS_TABLE } from "../dbos/executors.js";
import { createMessageStore, DELIVER_MESSAGE_FUNCTION } from "../dbos/messages.js";
import { RECEIVES_TABLE } from "../dbos/receives.js";
import { TOKEN_REVOCATIONS_TABLE } from "../db/token-revocations.js";

/** Where the runner records each migration it applied. */
export const MIGRATIONS_TABLE = `${WFC_SCHEMA}.migrations`;

/** One step of our schema's history: applied once, in `version` order, and recorded. */
export interface Migration {
  version: number;
  name: string;
  /** Runs inside the runner's transaction, under the set-up lock (`schema/runner.ts`). */
  up(db: Queryable): Promise<void>;
}

/**
 * The `wfc` schema, oldest first. Append only: a released migration is never edited (databases
 * have recorded it), a change is a new one. Every step tolerates what the release before this
 * list created the same objects with (each `IF NOT EXISTS`, or an existence check), so a
 * database that release set up migrates by recording them, its data kept.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: `${DELIVERIES_TABLE}: one row per keyed message (db/deliveries.ts)`,
    up: async (db) => {
      await db.query(`CREATE TABLE IF NOT EXISTS ${DELIVERIES_TABLE} (
        delivery_key text PRIMARY KEY,
        workflow_id text NOT NULL,
        topic text NOT NULL,
        fingerprint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    },
  },
  {
    version: 2,
    name: `${RECEIVES_TABLE}: each workflow's receive state per topic (dbos/receives.ts)`,
    up: async (db) => {
      await db.query(`CREATE TABLE IF NOT EXISTS ${RECEIVES_TABLE} (
        workflow_id text NOT NULL,
        topic text NOT NULL,
        state text NOT NULL CHECK (state IN ('waiting', 'received', 'closed')),
        since timestamptz NOT NULL,
        deadline timestamptz NOT NULL,
        PRIMARY KEY (workflow_id, topic)
      )`);
    },
  },
  {
    version: 3,
    name: `${EXECUTORS_TABLE}: each worker's heartbeat and retirement (dbos/executors.ts)`,
    up: async (db) => {
      await db.query(`CREATE TABLE IF NOT EXISTS ${EXECUTORS_TABLE} (
        executor_id text PRIMARY KEY,
        app_version text NOT NULL,
        last_seen timestamptz NOT NULL DEFAULT now(),
        claimed_by text,
        claimed_at timestamptz,
        retired_at timestamptz
      )`);
      // Releases before retirement created it without the column. ALTER TABLE only when it is
      // missing: it would wait for every open transaction that read the table (the API's too).
      const { rows } = await db.query<{ present: boolean }>(
        `SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = $1::regclass
                          AND attname = 'retired_at' AND NOT attisdropped) AS present`,
        [EXECUTORS_TABLE],
      );
      if (!rows[0]?.present)
        await db.query(`ALTER TABLE ${EXECUTORS_TABLE} ADD COLUMN retired_at timestamptz`);
    },
  },
  {
    version: 4,
    name: `${DELIVER_MESSAGE_FUNCTION}: the API's checked send (dbos/messages.ts)`,
    up: createMessageStore,
  },
  {
    version: 5,
    name: `${TOKEN_REVOCATIONS_TABLE}: when each workflow's tokens were revoked (db/token-revocations.ts)`,
    up: async (db) => {
      await db.query(`CREATE TABLE IF NOT EXISTS ${TOKEN_REVOCATIONS_TABLE} (
        workflow_id text PRIMARY KEY,
        revoked_before timestamptz NOT NULL
      )`);
    },
  },
];
