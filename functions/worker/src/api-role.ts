import {
  applyMigrations,
  DELIVERIES_TABLE,
  EXECUTORS_TABLE,
  grantApiRoleOnDbos,
  lockSetup,
  RECEIVES_TABLE,
  runSetup,
  StartupLockError,
  TOKEN_REVOCATIONS_TABLE,
  WFC_SCHEMA,
} from "@wfc/core";
import pg from "pg";
import { scramSha256Verifier } from "./scram-verifier.js";

export interface ApiRoleOptions {
  /** The worker's own connection string: a user that owns the DBOS schema and may create roles. */
  databaseUrl: string;
  role: string;
  /** Never logged, never sent: only its SCRAM verifier reaches the server. */
  password: string;
  connectionLimit: number;
  /** How long, in all, it may wait for locks (`STARTUP_LOCK_WAIT_MS`). */
  waitMs: number;
}

/** What the role could not be denied here, for the worker to log as a warning. */
export interface ApiRoleReport {
  /**
   * Functions creating a large object (disk outside every table) that PUBLIC, and so the role,
   * may still execute: the worker's user does not own them (RDS's master user, whose catalog
   * belongs to `rdsadmin`), so it cannot revoke them.
   */
  largeObjectFunctions: string[];
}

/**
 * Server settings the role's sessions start with (`ALTER ROLE ... SET`), so the API never sends a
 * SET that a transaction pooler (RDS Proxy) would pin its connection on. The API's statements are
 * single-row reads and writes, and its waits are loops of short reads, so a statement that runs
 * for seconds is stuck, not busy. `SET LOCAL` inside a transaction still overrides these (the
 * SDK's observability reads cap themselves at 30 s that way).
 */
export const API_ROLE_SETTINGS = {
  statement_timeout: "5s",
  lock_timeout: "2s",
  idle_in_transaction_session_timeout: "10s",
} as const;

/**
 * In our own schema: the record of keyed messages (`DELIVERIES_TABLE`), where a keyed send or
 * webhook inserts its row, or reads the row an earlier one left; and of the executors table the
 * three columns that tell whether a version has retired (`retiredVersionSql`, read by a resume
 * and a send), not which workers run or who claimed whom; and of the receives table what a
 * send reads to refuse a topic whose receive has closed and what `GET /workflows/{id}` shows a
 * workflow waits for (`readWorkflowWait`), never a write (`RECEIVES_TABLE`); and the token
 * revocations, which a token's check reads and a revocation upserts.
 */
const WFC_GRANTS: Record<string, string> = {
  [DELIVERIES_TABLE]: "SELECT, INSERT",
  [EXECUTORS_TABLE]: "SELECT (app_version, last_seen, retired_at)",
  [RECEIVES_TABLE]: "SELECT (workflow_id, topic, state, since, deadline)",
  [TOKEN_REVOCATIONS_TABLE]: "SELECT, INSERT, UPDATE (revoked_before)",
};

/**
 * PostgreSQL's functions that create a large object, which every role may call by default
 * (`lo_import` from a server file is a superuser's by default; revoked here too, in case).
 * Writing to one needs its ownership, so a role that can create none can fill none.
 */
const LARGE_OBJECT_CREATORS = [
  "lo_creat(integer)",
  "lo_create(oid)",
  "lo_from_bytea(oid, bytea)",
  "lo_import(text)",
  "lo_import(text, oid)",
];

/** Thrown when the role cannot be set up; its message never holds the password. */
export class ApiRoleError extends Error {
  constructor(role: string, reason: string) {
    super(`Could not set up the API database role ${role}: ${reason}`);
    this.name = "ApiRoleError";
  }
}

/**
 * Creates the API's own login role (or updates it), with its password, connection limit and
 * session settings, and grants it exactly `DBOS_API_GRANTS` on the DBOS schema
 * (`grantApiRoleOnDbos`) and `WFC_GRANTS` on ours, after revoking whatever it had in both. Call
 * after DBOS's migration; ours is applied first (`applyMigrations`, a no-op once the worker's
 * start-up has), so the grants find their tables. Run on every start, by any number of workers
 * at once: the role's name and password come from the configuration and a DBOS upgrade may add
 * tables, so the grants are re-established each start rather than recorded as a migration.
 *
 * Also takes from PUBLIC, in this database, what every role would otherwise inherit: temporary
 * tables, on PostgreSQL < 15 CREATE in schema `public` (15 dropped that default), and, where the
 * worker's user owns them, the functions that create large objects (`LARGE_OBJECT_CREATORS`);
 * the report names those it could not revoke.
 * @throws ApiRoleError when the role is a superuser, may replicate or bypass row security, or
 *   is a member of another role (it would hold more than it needs), or on a database error.
 * @throws StartupLockError when another session held a lock it needs for `waitMs`.
 */
export async function ensureApiRole(options: ApiRoleOptions): Promise<ApiRoleReport> {
  const verifier = scramSha256Verifier(options.password);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  client.on("error", () => {});
  try {
    await client.connect();
    await applyMigrations(client, options.waitMs);
    let report: ApiRoleReport = { largeObjectFunctions: [] };
    await runSetup(client, { what: "the API role's grants", waitMs: options.waitMs }, async () => {
      report = await apply(client, options, verifier);
    });
    return report;
  } catch (error) {
    if (error instanceof ApiRoleError || error instanceof StartupLockError) throw error;
    const { code, message } = (error ?? {}) as { code?: string; message?: string };
    // Neither the password nor its verifier is in any statement's error, but make sure.
    let reason = String(message ?? error).replaceAll(verifier, "***");
    if (options.password) reason = reason.replaceAll(options.password, "***");
    throw new ApiRoleError(options.role, code ? `${reason} (SQLSTATE ${code})` : reason);
  } finally {
    await client.end().catch(() => {});
  }
}

async function apply(
  client: pg.Client,
  options: ApiRoleOptions,
  verifier: string,
): Promise<ApiRoleReport> {
  const { role, connectionLimit } = options;
  const r = client.escapeIdentifier(role);
  // Serialises the workers of this database (and creates the lock's table, which the role's
  // grants below then exclude); those of other databases are races, retried.
  await lockSetup(client);

  const { rows } = await client.query<{ super: boolean; replication: boolean; bypass: boolean }>(
    `SELECT rolsuper AS super, rolreplication AS replication, rolbypassrls AS bypass
       FROM pg_roles WHERE rolname = $1`,
    [role],
  );
  const existing = rows[0];
  const extra = existing
    ? Object.entries(existing)
        .filter(([, set]) => set)
        .map(([name]) => name)
    : [];
  if (extra.length > 0) throw new ApiRoleError(role, `it exists with ${extra.join(", ")}`);
  // SUPERUSER, REPLICATION and BYPASSRLS default to off and are left unnamed: naming them, even
  // to turn them off, needs a superuser on PostgreSQL < 16 (RDS's master user is none).
  const attributes = `LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT ${connectionLimit} PASSWORD ${client.escapeLiteral(verifier)}`;
  await client.query(`${existing ? "ALTER" : "CREATE"} ROLE ${r} ${attributes}`);
  for (const [name, value] of Object.entries(API_ROLE_SETTINGS))
    await client.query(`ALTER ROLE ${r} SET ${name} = ${client.escapeLiteral(value)}`);

  const { rows: memberOf } = await client.query<{ name: string }>(
    `SELECT m.roleid::regrole::text AS name FROM pg_auth_members m
       JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1`,
    [role],
  );
  if (memberOf.length > 0)
    throw new ApiRoleError(role, `it is a member of ${memberOf.map((m) => m.name).join(", ")}`);

  const { rows: server } = await client.query<{ db: string; version: number }>(
    "SELECT current_database() AS db, current_setting('server_version_num')::int AS version",
  );
  const db = client.escapeIdentifier(server[0]!.db);
  await client.query(`REVOKE TEMPORARY ON DATABASE ${db} FROM PUBLIC, ${r}`);
  await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${r}`);
  if (server[0]!.version < 150000) await client.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  const largeObjectFunctions = await revokeLargeObjectCreation(client, role);

  // Start from nothing in both schemas, so a grant an older release made does not linger. Our
  // schema's tables exist: the migrations ran before this step (`schema-setup.ts`).
  const wfc = client.escapeIdentifier(WFC_SCHEMA);
  await client.query(`REVOKE ALL ON SCHEMA ${wfc} FROM ${r}`);
  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${wfc} FROM ${r}`);
  await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${wfc} FROM ${r}`);
  await grantApiRoleOnDbos(client, r);
  await client.query(`GRANT USAGE ON SCHEMA ${wfc} TO ${r}`);
  for (const [table, privileges] of Object.entries(WFC_GRANTS))
    await client.query(`GRANT ${privileges} ON ${table} TO ${r}`);
  return { largeObjectFunctions };
}

/**
 * Revokes PUBLIC's EXECUTE on `LARGE_OBJECT_CREATORS` where the worker's user owns them (a
 * superuser does; a non-owner's REVOKE would only warn), and returns those the role may still
 * execute.
 */
async function revokeLargeObjectCreation(client: pg.Client, role: string): Promise<string[]> {
  const { rows: owned } = await client.query<{ fn: string }>(
    `SELECT p.oid::regprocedure::text AS fn FROM pg_proc p
      WHERE p.oid = ANY ($1::regprocedure[]) AND pg_has_role(p.proowner, 'USAGE')`,
    [LARGE_OBJECT_CREATORS],
  );
  for (const { fn } of owned) await client.query(`REVOKE EXECUTE ON FUNCTION ${fn} FROM PUBLIC`);
  const { rows: left } = await client.query<{ fn: string }>(
    `SELECT p.oid::regprocedure::text AS fn FROM pg_proc p
      WHERE p.oid = ANY ($1::regprocedure[]) AND has_function_privilege($2, p.oid, 'EXECUTE')`,
    [LARGE_OBJECT_CREATORS, role],
  );
  return left.map((row) => row.fn);
}
