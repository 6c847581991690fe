import { WFC_SCHEMA, type Queryable } from "./queryable.js";

/**
 * One row per keyed message ever stored (an `Idempotency-Key` send, a signed webhook): what it
 * was for and a fingerprint of what it said. DBOS's own idempotency key is scoped to one
 * destination; this table is what makes a webhook-id count once across all of them, and lets a
 * reused key with another message be refused instead of silently dropped. Created by the schema's
 * migrations (`schema/migrations.ts`).
 */
export const DELIVERIES_TABLE = `${WFC_SCHEMA}.message_deliveries`;

/** A keyed message: its key (unique across every destination), target and fingerprint. */
export interface DeliveryRecord {
  key: string;
  workflowId: string;
  topic: string;
  fingerprint: string;
}

const COLUMNS = `delivery_key AS key, workflow_id AS "workflowId", topic, fingerprint`;

/** The delivery recorded under `key`, if any. */
export async function findDelivery(db: Queryable, key: string) {
  const { rows } = await db.query<DeliveryRecord>(
    `SELECT ${COLUMNS} FROM ${DELIVERIES_TABLE} WHERE delivery_key = $1`,
    [key],
  );
  return rows[0];
}

/** When the delivery under `key` was stored, if it was. */
export async function readDeliveredAt(db: Queryable, key: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date }>(
    `SELECT created_at AS at FROM ${DELIVERIES_TABLE} WHERE delivery_key = $1`,
    [key],
  );
  return rows[0]?.at;
}
