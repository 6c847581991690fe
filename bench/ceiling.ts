import pg from "pg";
import { benchPool } from "./databases.js";

/** Committed transactions of one database so far (`pg_stat_database`). */
export async function commitsSoFar(admin: pg.Pool, database: string): Promise<number> {
  // Each backend adds its counts to these when idle, at most once a second: callers wait that
  // long after the work they count.
  const { rows } = await admin.query<{ n: string }>(
    "SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1",
    [database],
  );
  return Number(rows[0]!.n);
}

/**
 * The next transaction ID the cluster will assign (cluster-wide; reading it assigns none): the
 * difference over a run counts the transactions that wrote, each of which flushes the WAL.
 */
export async function nextTransactionId(admin: pg.Pool): Promise<number> {
  const { rows } = await admin.query<{ xid: string }>(
    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid",
  );
  return Number(rows[0]!.xid);
}

export interface CommitProbe {
  clients: number;
  /** Commits per second, each a one-row INSERT in its own transaction (one WAL flush each). */
  commitsPerSecond: number;
}

/**
 * The database's ceiling for this workload's commit pattern: `clients` connections each
 * committing one-row INSERTs back to back for `seconds`, as the worker's steps do. Concurrent
 * commits share WAL flushes (group commit), so the rate grows with clients until the disk or
 * the CPU saturates. With `notify`, each transaction also NOTIFYs (as a per-row trigger
 * would): PostgreSQL serialises notifying commits on one lock held through the WAL flush.
 * The probe table is dropped afterwards.
 */
export async function commitRate(
  databaseUrl: string,
  clients: number,
  seconds: number,
  notify = false,
): Promise<CommitProbe> {
  const pool = benchPool({
    connectionString: databaseUrl,
    max: clients,
    application_name: "bench-commit-probe",
  });
  const table = `bench_commit_probe_${process.pid}`;
  try {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, v text)`);
    let commits = 0;
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        const client = await pool.connect();
        try {
          while (performance.now() < until) {
            await client.query(
              notify
                ? `WITH i AS (INSERT INTO ${table} (v) VALUES ('x')) SELECT pg_notify('bench_commit_probe', 'x')`
                : `INSERT INTO ${table} (v) VALUES ('x')`,
            );
            commits++;
          }
        } finally {
          client.release();
        }
      }),
    );
    return { clients, commitsPerSecond: commits / seconds };
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await pool.end();
  }
}
