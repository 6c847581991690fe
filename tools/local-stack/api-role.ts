import { createHash } from "node:crypto";

/**
 * The API's role for a local stack on `databaseUrl`: `requested` (API_DATABASE_ROLE) when given,
 * else `wfc_api_` and a hash of the server and database. Roles belong to the whole server, and the
 * worker sets the role's password anew on each start: one fixed name would let two stacks on one
 * server (or a stack and the test suite) reset each other's login. One name per database keeps
 * each stack's role its own, and the same across its restarts.
 */
export function localApiRole(databaseUrl: string, requested?: string): string {
  if (requested) return requested;
  const url = new URL(databaseUrl);
  const where = `${url.hostname}:${url.port || "5432"}/${decodeURIComponent(url.pathname.slice(1))}`;
  return `wfc_api_${createHash("sha256").update(where).digest("hex").slice(0, 8)}`;
}
