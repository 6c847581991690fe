import pg from "pg";

/** Creates the database `name` on the server of `adminUrl`; returns its URL. */
export async function createDatabase(admin: pg.Pool, adminUrl: string, name: string) {
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A pool for the benchmark's own queries. pg-pool's end() resolves once it has asked its idle
 * clients to close, not once they have; a server stopped right after can still reach one, as an
 * error event that would crash the run with nobody listening.
 */
export function benchPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on("error", () => {});
  return pool;
}
