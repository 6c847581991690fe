import { DBOSExecutor, internalProblems, wfQueueRunner } from "./internals.js";

/**
 * The part of DBOS's queue runner (`wfQueueRunner`, SDK 5.3.0) a wake-up relies on. The SDK has
 * no call that wakes it: its scheduler sleeps until a queue's next poll, and that sleep's wake
 * function is a local of the loop. Its one-queue poll (`pollQueue`: the claim transaction, then
 * the dispatch of what it claimed, with the queue's limits) and its per-queue schedule
 * (`states`) are TypeScript-private fields of the exported runner: reachable, not supported, so
 * their shape is checked before use, and an SDK that changed them leaves dispatch to polling.
 */
interface RunnerInternals {
  isRunning: boolean;
  states: Map<string, { queue: unknown; currentPollingMs: number; nextPollAt: number }>;
  pollQueue(exec: DBOSExecutor, queue: unknown): Promise<boolean>;
}

/** What one request to poll did. */
export type PollResult =
  /** The queue was polled now: whatever was ENQUEUED and startable has been started. */
  | "polled"
  /** DBOS's own poll of the queue is due or running; ask again once it is done. */
  | "busy"
  /** This process does not dispatch that queue (or DBOS is not running). */
  | "not-dispatched";

export interface QueuePoller {
  poll(queueName: string): Promise<PollResult>;
}

const runner = wfQueueRunner as unknown as Partial<RunnerInternals>;

/**
 * Polls a queue the way DBOS's runner does, at once. Never overlaps the runner's own poll of
 * the same queue (which could start more than a worker concurrency limit allows): while that
 * one is due or running (its next poll time has passed), the answer is "busy". Before polling,
 * the runner's next poll is moved one interval out, as the runner does after its own polls, so
 * that it does not start one meanwhile and the safety-net polling keeps its cadence.
 * @returns undefined when this SDK's runner is not the shape this relies on.
 */
export function dbosQueuePoller(): QueuePoller | undefined {
  if (internalProblems("optional").length > 0) return undefined;
  const states = runner.states!;
  const pollQueue = runner.pollQueue!.bind(wfQueueRunner);
  return {
    async poll(queueName) {
      const exec = DBOSExecutor.globalInstance;
      const state = states.get(queueName);
      if (!exec || !runner.isRunning || !state) return "not-dispatched";
      const now = Date.now();
      if (now >= state.nextPollAt) return "busy";
      state.nextPollAt = now + state.currentPollingMs;
      // Errors are pollQueue's own to log; it answers whether it met contention.
      await pollQueue(exec, state.queue);
      return "polled";
    },
  };
}
