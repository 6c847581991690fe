import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/**
 * Exactly what the API does on the DBOS schema (found by running every route as the role, see
 * test/integration/api-role.test.ts): enqueue (a status row and its inputs; the upsert's no-op
 * update of `creator_xid`), send (a notification), read events, streams, statuses, inputs and
 * outputs, cancel and resume (the status columns those two UPDATEs set), list the registered
 * application versions (`GET /versions`). No DELETE or TRUNCATE anywhere, nothing on DBOS's other
 * tables. A send also locks its workflow's status row FOR SHARE (`DELIVER_MESSAGE_FUNCTION`),
 * which PostgreSQL allows a role that may UPDATE some column of the table: the column grants
 * cancel and resume need already, so the lock adds no privilege. The columns are the SDK's
 * (5.3.0): the contract test checks each exists.
 */
export const DBOS_API_GRANTS: Record<string, string> = {
  workflow_status: `SELECT, INSERT, UPDATE (${[
    "status",
    "owner_xid",
    "queue_name",
    "deduplication_id",
    "started_at_epoch_ms",
    "updated_at",
    "completed_at",
    "recovery_attempts",
    "workflow_deadline_epoch_ms",
    "creator_xid",
  ].join(", ")})`,
  workflow_input: "SELECT, INSERT",
  workflow_output: "SELECT",
  // The send's ON CONFLICT (message_uuid) DO NOTHING reads its arbiter column.
  notifications: "INSERT, SELECT (message_uuid)",
  workflow_events: "SELECT",
  streams: "SELECT",
  application_versions: "SELECT",
};

/**
 * Takes from `role` (a quoted identifier) everything it had in the DBOS schema, so a grant an
 * older release made does not linger, then grants it exactly `DBOS_API_GRANTS`. Run it in the
 * API role's set-up transaction, after DBOS's migration.
 */
export async function grantApiRoleOnDbos(db: Queryable, role: string) {
  await db.query(`REVOKE ALL ON SCHEMA ${DBOS_SCHEMA} FROM ${role}`);
  await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${DBOS_SCHEMA} FROM ${role}`);
  await db.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${DBOS_SCHEMA} FROM ${role}`);
  await db.query(`GRANT USAGE ON SCHEMA ${DBOS_SCHEMA} TO ${role}`);
  for (const [table, privileges] of Object.entries(DBOS_API_GRANTS))
    await db.query(`GRANT ${privileges} ON ${DBOS_SCHEMA}.${table} TO ${role}`);
}
