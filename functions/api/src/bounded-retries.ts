import { runWithAbortableDbRetries } from "@dbos-inc/dbos-sdk/internal/context";

/**
 * How long a DBOSClient call may keep retrying a lost database connection. DBOS retries such
 * errors forever (right for a workflow, which must not fail over a blip); a request would then
 * hang through an outage, until the gateway's own timeout. A blip shorter than this is ridden
 * out; a longer outage is answered 503 with Retry-After, and the client retries.
 */
export const DB_RETRY_BOUND_MS = 2_000;

/**
 * Runs a DBOSClient call whose connection retries give up after `boundMs`, rethrowing the
 * connection error (which `translate` maps to `UnavailableError`).
 */
export function withBoundedDbRetries<T>(call: () => Promise<T>, boundMs = DB_RETRY_BOUND_MS) {
  return runWithAbortableDbRetries(AbortSignal.timeout(boundMs), call);
}
