/**
 * A wake-up flag for one waiter: `wait()` resolves on the next `wake()` (or at once if one
 * happened since the last wait), or after `ms`, or when `abort` fires.
 */
export class WakeSignal {
  #pending = false;
  #resolve: (() => void) | undefined;

  wake = () => {
    this.#pending = true;
    this.#resolve?.();
  };

  /** @returns true if woken, false on timeout or abort. */
  wait(ms: number, abort?: AbortSignal): Promise<boolean> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve(true);
    }
    if (abort?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (woken: boolean) => {
        clearTimeout(timer);
        abort?.removeEventListener("abort", onAbort);
        this.#resolve = undefined;
        this.#pending = false;
        resolve(woken);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, ms));
      abort?.addEventListener("abort", onAbort, { once: true });
      this.#resolve = () => finish(true);
    });
  }
}

/**
 * Re-check delays for a live feed: short right after activity (a workflow's status changes
 * without a notification, typically just after its last write), doubling to `maxMs` when quiet.
 */
export class Backoff {
  #next: number;
  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.#next = minMs;
  }
  reset() {
    this.#next = this.minMs;
  }
  next(): number {
    const delay = this.#next;
    this.#next = Math.min(this.#next * 2, this.maxMs);
    return delay;
  }
}
