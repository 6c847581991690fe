import { UnavailableError } from "../errors.js";

/**
 * SQLSTATEs that say "the database cannot serve this now; the same request may succeed later",
 * never "the request is wrong". By class, so a code we have not met yet is classified by what its
 * class means (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * - 08 connection exception: the connection failed or was lost.
 * - 53 insufficient resources: too many connections (53300), out of memory or disk.
 * - 55 object not in prerequisite state: the database is not accepting connections (55000,
 *   `datallowconn` false), an object is in use (55006), a lock was not available (55P03).
 * - 57 operator intervention: shutdown or terminated backend (57P01..57P05), starting up
 *   (57P03), a statement cancelled by its timeout (57014).
 * - 58 system error: an I/O error outside PostgreSQL.
 * - 3D000 the database does not exist (yet): a deployment step, not a bad request.
 * - 40001 / 40P01 / 40003: a serialization failure or deadlock rolled the transaction back
 *   (or its outcome is unknown); rerunning the request is what PostgreSQL asks for.
 * Not here, so answered 500: XX (internal error, corruption: retrying does not help), 22 data
 * exceptions, 23 integrity, 42 syntax or access rules, 28 authentication (a wrong secret is a
 * deployment error that retrying does not fix).
 */
const UNAVAILABLE_CLASSES = new Set(["08", "53", "55", "57", "58"]);
const UNAVAILABLE_CODES = new Set(["3D000", "40001", "40P01", "40003"]);

/** Errors of Node's sockets that mean the database could not be reached. */
const NETWORK_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/**
 * pg's own words (it gives these no code) for a connection that never came, was cut, or a
 * query that got no answer in time.
 */
const PG_CONNECTION_LOST =
  /^(timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable)/;

/** The error and what it wraps (`cause`, AggregateError's `errors`), outermost first. */
function* unwrap(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === null || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    yield current;
    const { cause, errors } = current as { cause?: unknown; errors?: unknown };
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
}

/** Whether one error (not what it wraps) is a failure of the database's availability. */
function isUnavailableOne(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if (NETWORK_ERRORS.has(code) || UNAVAILABLE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_CLASSES.has(code.slice(0, 2))) return true;
  }
  return typeof message === "string" && PG_CONNECTION_LOST.test(message);
}

/**
 * Whether `error` means the database cannot serve the request right now (it may succeed when
 * retried), as opposed to a bug or a bad request. See `UNAVAILABLE_CLASSES` for the principle.
 */
export const isDatabaseUnavailable = (error: unknown): boolean =>
  [...unwrap(error)].some(isUnavailableOne);

/** Whether `error` is a serialization failure or deadlock: the database asks for a rerun. */
export const isTransactionConflict = (error: unknown): boolean =>
  [...unwrap(error)].some((e) => {
    const code = (e as { code?: unknown }).code;
    return code === "40001" || code === "40P01";
  });
