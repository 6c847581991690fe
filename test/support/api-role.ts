import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * A role name no other test file (or run) uses: roles are cluster-wide, and test files share
 * one server and run in parallel.
 */
export const uniqueRoleName = (prefix = "wfc_api_test") =>
  `${prefix}_${randomBytes(4).toString("hex")}`;

/** A password with the characters a connection string must encode (`@ : / % #`). */
export const testPassword = () => `p@ss:w/rd%#${randomBytes(12).toString("base64url")}`;

/** The worker's variables that make it keep the API role. */
export const apiRoleEnv = (role: string, password: string, connectionLimit: number) => ({
  API_DATABASE_ROLE: role,
  API_DATABASE_PASSWORD: password,
  API_DATABASE_CONNECTION_LIMIT: String(connectionLimit),
});

/** Runs one statement on its own connection and returns the SQLSTATE it failed with, if any. */
export async function sqlstateOf(url: string, statement: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await client.end();
  }
}

/** One fact about `role` (the query's one column of its first row), read on its own connection. */
async function readRoleFact<T>(url: string, sql: string, role: string): Promise<T | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ fact: T }>(sql, [role]);
    return rows[0]?.fact;
  } finally {
    await client.end();
  }
}

/** How many server connections `role` holds right now (any database). */
export const connectionsOf = async (adminUrl: string, role: string): Promise<number> =>
  (await readRoleFact<number>(
    adminUrl,
    "SELECT count(*)::int AS fact FROM pg_stat_activity WHERE usename = $1",
    role,
  ))!;

/** The password verifier PostgreSQL keeps for `role` (what a reset login changes). */
export const verifierOf = (adminUrl: string, role: string) =>
  readRoleFact<string>(
    adminUrl,
    "SELECT rolpassword AS fact FROM pg_authid WHERE rolname = $1",
    role,
  );

/** The most connections `role` may hold (`-1`: no limit); undefined when there is no such role. */
export const connectionLimitOf = (url: string, role: string) =>
  readRoleFact<number>(url, "SELECT rolconnlimit AS fact FROM pg_roles WHERE rolname = $1", role);

/**
 * Drops a role the test created: ends its sessions, then its privileges in the given databases
 * (a role with grants cannot be dropped), then the role.
 */
export async function dropRole(role: string, databaseUrls: string[]) {
  for (const [i, url] of databaseUrls.entries()) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const r = client.escapeIdentifier(role);
      await client.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
        [role],
      );
      await client.query(`DROP OWNED BY ${r}`);
      if (i === databaseUrls.length - 1) await client.query(`DROP ROLE ${r}`);
    } finally {
      await client.end();
    }
  }
}
