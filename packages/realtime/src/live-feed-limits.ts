import { TooManyRequestsError } from "@wfc/core";

/**
 * How many live feeds one process (or one change relay) follows at once: at most `maxTotal`,
 * and at most `maxPerWorkflow` of one workflow. Each open feed holds memory, a subscription and,
 * on Lambda, an environment; without a bound, a few clients (or a page opened in many tabs) could
 * hold them all. Refused feeds are told to retry (429), not failed.
 */
export class LiveFeedLimits {
  #total = 0;
  readonly #perWorkflow = new Map<string, number>();

  constructor(
    readonly maxTotal: number,
    readonly maxPerWorkflow: number,
  ) {}

  /** Feeds open now: in all, and of `workflowId`. */
  open(workflowId?: string) {
    return workflowId === undefined ? this.#total : (this.#perWorkflow.get(workflowId) ?? 0);
  }

  /**
   * Takes a slot for a feed of `workflowId`.
   * @returns the function that gives it back (idempotent).
   * @throws TooManyRequestsError when either limit is reached.
   */
  admit(workflowId: string): () => void {
    const mine = this.#perWorkflow.get(workflowId) ?? 0;
    if (mine >= this.maxPerWorkflow)
      throw new TooManyRequestsError(
        `Too many live feeds of workflow '${workflowId}' (${this.maxPerWorkflow} are open); retry later`,
      );
    if (this.#total >= this.maxTotal)
      throw new TooManyRequestsError(
        `Too many live feeds (${this.maxTotal} are open); retry later`,
      );
    this.#total++;
    this.#perWorkflow.set(workflowId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#perWorkflow.get(workflowId) ?? 1) - 1;
      if (left > 0) this.#perWorkflow.set(workflowId, left);
      else this.#perWorkflow.delete(workflowId);
    };
  }
}
