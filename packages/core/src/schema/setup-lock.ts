import { WFC_SCHEMA, type Queryable } from "../db/queryable.js";

/**
 * An empty table whose only use is its lock: the worker's start-up set-up (our schema's tables,
 * functions and triggers, the API role) is serialised by locking it. An advisory lock would do
 * the same, but any role may take any advisory lock key, the API's included, and hold every
 * worker's start-up hostage; a table lock needs a privilege on the table, and the API role has
 * none on this one.
 */
export const SETUP_LOCK_TABLE = `${WFC_SCHEMA}.setup_lock`;

/**
 * Takes the set-up lock for the rest of the transaction (creating our schema and the table when
 * missing). EXCLUSIVE mode: set-ups wait for each other, while a plain read (which the API role
 * could not make anyway) would not wait. Workers creating the table at the same moment can fail
 * with a unique violation (23505, 42P06, 42P07): their caller retries the transaction.
 */
export async function lockSetup(db: Queryable) {
  const { rows } = await db.query<{ present: boolean }>(
    "SELECT to_regclass($1) IS NOT NULL AS present",
    [SETUP_LOCK_TABLE],
  );
  if (!rows[0]?.present) {
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${WFC_SCHEMA}`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${SETUP_LOCK_TABLE} ()`);
  }
  await db.query(`LOCK TABLE ${SETUP_LOCK_TABLE} IN EXCLUSIVE MODE`);
}
