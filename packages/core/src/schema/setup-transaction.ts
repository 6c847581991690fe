import pg from "pg";

/**
 * The longest one attempt waits for a lock. A DDL statement waiting for its table's lock also
 * makes every later writer of that table wait behind it (PostgreSQL queues lock requests), so
 * an attempt gives up soon and leaves the table's writers a gap before the next.
 */
const ATTEMPT_LOCK_TIMEOUT_MS = 1_000;
const RETRY_PAUSE_MS = 250;
const LOCK_NOT_AVAILABLE = "55P03";
// Workers starting together, on this database or (roles are cluster-wide) another: an object
// created twice at the same moment (42710, 42P06, 42P07, 23505), two writes to one catalog row
// (40001, 40P01, XX000 "tuple concurrently updated").
const RACE_SQLSTATES = new Set(["42710", "42P06", "42P07", "23505", "40001", "40P01"]);

const codeOf = (error: unknown) => (error as { code?: string } | undefined)?.code;
const isRace = (error: unknown) => {
  const code = codeOf(error);
  return (
    (code !== undefined && RACE_SQLSTATES.has(code)) ||
    (code === "XX000" && /concurrently/.test(String((error as Error).message)))
  );
};

/** Thrown when start-up waited `waitMs` for a lock that another session kept holding. */
export class StartupLockError extends Error {
  constructor(what: string, waitMs: number, options?: ErrorOptions) {
    super(
      `Worker start-up gave up on ${what}: another session held a lock it needs for ` +
        `${waitMs} ms (STARTUP_LOCK_WAIT_MS); pg_locks and pg_stat_activity show who`,
      options,
    );
    this.name = "StartupLockError";
  }
}

export interface SetupOptions {
  /** What the set-up does, for the error that ends a wait ("the API role's grants"). */
  what: string;
  /** How long, in all, its attempts may wait for locks (`STARTUP_LOCK_WAIT_MS`). */
  waitMs: number;
}

/**
 * Runs one piece of the worker's start-up set-up in a transaction on `client`: all or nothing,
 * retried when it raced another worker's or waited `ATTEMPT_LOCK_TIMEOUT_MS` for a lock, until
 * `waitMs` have passed. `work` takes the set-up lock first (`lockSetup`), so set-ups of workers
 * starting together run one after the other.
 * @throws StartupLockError when the last attempt still waited for a lock; a race's error when
 *   races outlasted `waitMs`; any other error at once.
 */
export async function runSetup(
  client: pg.ClientBase,
  options: SetupOptions,
  work: (client: pg.ClientBase) => Promise<void>,
) {
  const deadline = performance.now() + options.waitMs;
  for (;;) {
    const left = Math.ceil(deadline - performance.now());
    try {
      await client.query("BEGIN");
      await client.query(
        `SET LOCAL lock_timeout = '${Math.max(1, Math.min(ATTEMPT_LOCK_TIMEOUT_MS, left))}ms'`,
      );
      await work(client);
      await client.query("COMMIT");
      return;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      const waited = codeOf(error) === LOCK_NOT_AVAILABLE;
      if (!waited && !isRace(error)) throw error;
      if (performance.now() >= deadline) {
        if (waited) throw new StartupLockError(options.what, options.waitMs, { cause: error });
        throw error;
      }
      const pause = waited ? RETRY_PAUSE_MS : 20 * Math.random();
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
