import { Backoff, isDatabaseUnavailable, UnavailableError } from "@wfc/core";

/** How long a live feed keeps retrying a database that is away before it gives up. */
export const LIVE_OUTAGE_MS = 15_000;

/**
 * A live feed's view of database failures: one that means "away for now" (a terminated
 * connection, a restart, a failover) is waited out with backoff, up to `limitMs` in a row; the
 * feed then resumes from where it was, so its reader notices nothing. Other failures, and an
 * outage longer than `limitMs`, end the feed.
 */
export class Outage {
  #since: number | undefined;
  readonly #retry = new Backoff(50, 1_000);

  constructor(private readonly limitMs = LIVE_OUTAGE_MS) {}

  /** A read succeeded: the outage, if any, is over. */
  clear() {
    this.#since = undefined;
    this.#retry.reset();
  }

  /**
   * A read failed with `error`: returns how long to wait before the next attempt.
   * @throws `error` itself when it is not an availability failure; `UnavailableError` when the
   * database has been away for `limitMs`.
   */
  failed(error: unknown): number {
    if (!isDatabaseUnavailable(error)) throw error;
    const now = performance.now();
    this.#since ??= now;
    if (now - this.#since >= this.limitMs) {
      throw new UnavailableError("The database is unavailable, retry shortly", { cause: error });
    }
    return this.#retry.next();
  }
}
