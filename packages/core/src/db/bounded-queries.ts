import type pg from "pg";
import { UnavailableError } from "../errors.js";
import type { Queryable } from "./queryable.js";

/**
 * How long the first attempt of a query may take before it is given up and retried on a new
 * connection. A connection can die without a word while its process is frozen (a Lambda
 * environment between invocations; a NAT or proxy forgetting the flow): its next query would wait
 * for TCP to time out, many minutes later. One retry on a fresh connection answers correctly; a
 * database that is really stalled is answered 503 at the deadline instead.
 */
export const FIRST_ATTEMPT_MS = 1_000;

/** Thrown when the database did not answer before the caller's deadline. */
export class DatabaseTimeoutError extends UnavailableError {
  constructor(options?: ErrorOptions) {
    super("The database did not answer in time, retry shortly", options);
  }
}

/** Rejects with `DatabaseTimeoutError` once `deadline` (a `performance.now()` time) passes. */
export function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  const remaining = deadline - performance.now();
  if (remaining <= 0) {
    work.catch(() => {});
    return Promise.reject(new DatabaseTimeoutError());
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeoutError()), remaining);
  });
  // The losing side must not surface as an unhandled rejection.
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const isTimeout = (error: unknown) =>
  error instanceof DatabaseTimeoutError ||
  (error instanceof Error && error.message === "Query read timeout");

/**
 * A view of `pool` whose every query ends by its deadline: `deadline` is a `performance.now()`
 * time, or a function giving each query its own (e.g. "now + 5 s" for a long-lived live feed).
 * Each query gets the time that is left as its `query_timeout` (pg discards a connection whose
 * query timed out), and the wait for a free connection is bounded too. A first attempt that gets
 * no answer within `firstAttemptMs` is retried once on a new connection (see `FIRST_ATTEMPT_MS`).
 * @throws DatabaseTimeoutError when the deadline passes first.
 */
export function boundedQueries(
  pool: pg.Pool,
  deadlineOf: number | (() => number),
  firstAttemptMs = FIRST_ATTEMPT_MS,
): Queryable {
  return {
    async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      const deadline = typeof deadlineOf === "number" ? deadlineOf : deadlineOf();
      for (let attempt = 0; ; attempt++) {
        const remaining = deadline - performance.now();
        if (remaining <= 0) throw new DatabaseTimeoutError();
        const limit = attempt === 0 ? Math.min(remaining, firstAttemptMs) : remaining;
        // pg honours a per-query `query_timeout` (missing from its type definitions).
        const config = { text, values, query_timeout: Math.max(1, Math.ceil(limit)) };
        const query = pool.query<R>(config as pg.QueryConfig);
        try {
          return await beforeDeadline(query, performance.now() + limit);
        } catch (error) {
          if (attempt > 0 || !isTimeout(error)) throw error;
        }
      }
    },
  };
}
