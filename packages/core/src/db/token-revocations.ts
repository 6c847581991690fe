import { WFC_SCHEMA, type Queryable } from "./queryable.js";

/**
 * One row per workflow whose capability tokens were revoked: every token of it issued before
 * `revoked_before` is refused. Tokens carry their issue time, so minting (also by an adopter's
 * server that holds the signing key but no database) never writes here; only a revocation does.
 * Created by the schema's migrations (`schema/migrations.ts`).
 */
export const TOKEN_REVOCATIONS_TABLE = `${WFC_SCHEMA}.token_revocations`;

/** When `workflowId`'s tokens were last revoked (epoch ms), undefined if never. */
export async function readTokenRevocation(
  db: Queryable,
  workflowId: string,
): Promise<number | undefined> {
  const { rows } = await db.query<{ ms: string }>(
    `SELECT (extract(epoch FROM revoked_before) * 1000)::bigint AS ms
       FROM ${TOKEN_REVOCATIONS_TABLE} WHERE workflow_id = $1`,
    [workflowId],
  );
  return rows[0] ? Number(rows[0].ms) : undefined;
}

/**
 * Revokes every token of `workflowId` issued until now (the database's clock, so every API
 * process agrees); returns that instant in epoch ms.
 */
export async function revokeTokens(db: Queryable, workflowId: string): Promise<number> {
  const { rows } = await db.query<{ ms: string }>(
    `INSERT INTO ${TOKEN_REVOCATIONS_TABLE} (workflow_id, revoked_before) VALUES ($1, now())
       ON CONFLICT (workflow_id) DO UPDATE SET revoked_before = excluded.revoked_before
     RETURNING (extract(epoch FROM revoked_before) * 1000)::bigint AS ms`,
    [workflowId],
  );
  return Number(rows[0]!.ms);
}
