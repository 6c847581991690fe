import { AsyncLocalStorage } from "node:async_hooks";
import { runWithAbortableDbRetries } from "@wfc/core";
import pg from "pg";

/**
 * How long a DBOSClient call may keep retrying a lost database connection. DBOS retries such
 * errors forever (right for a workflow, which must not fail over a blip); a request would then
 * hang through an outage, until the gateway's own timeout. A blip shorter than this is ridden
 * out; a longer outage is answered 503 with Retry-After, and the client retries.
 */
export const DB_RETRY_BOUND_MS = 2_000;

/** The running call's way to stop its retries early (see `RefusalAwareClient`). */
const currentCall = new AsyncLocalStorage<AbortController>();

/**
 * Runs a DBOSClient call whose connection retries give up after `boundMs`, or at once when the
 * server refuses the connection for load (see `RefusalAwareClient`), rethrowing the connection
 * error (which `translate` maps to `UnavailableError`).
 */
export function withBoundedDbRetries<T>(call: () => Promise<T>, boundMs = DB_RETRY_BOUND_MS) {
  const refused = new AbortController();
  const signal = AbortSignal.any([refused.signal, AbortSignal.timeout(boundMs)]);
  return currentCall.run(refused, () => runWithAbortableDbRetries(signal, call));
}

// Too many connections, for the role (its CONNECTION LIMIT) or the server (max_connections).
const TOO_MANY_CONNECTIONS = "53300";

/**
 * The pool's client class: a connection refused as "too many connections" ends the retries of
 * the call that asked for it before DBOS sees the error, so the request is a fast 503. The
 * limit is how the API's role sheds load: a refused request must leave at once, not hold its
 * place for the retry bound while other requests find the same limit. A blip (restart,
 * failover: the server not there) is still ridden out.
 */
export class RefusalAwareClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: (err: Error) => void): void;
  override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
    const call = currentCall.getStore();
    const refused = (error: unknown) => {
      if ((error as { code?: unknown } | null)?.code === TOO_MANY_CONNECTIONS) call?.abort();
    };
    if (!callback) {
      return super.connect().catch((error: unknown) => {
        refused(error);
        throw error;
      });
    }
    super.connect((error: Error | null) => {
      if (error) refused(error);
      callback(error as Error);
    });
  }
}
