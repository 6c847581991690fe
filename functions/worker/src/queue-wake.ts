import { dbosQueuePoller, QUEUE_WAKE_CHANNEL, type PollResult, type QueuePoller } from "@wfc/core";
import type { ChangeHandler } from "@wfc/realtime";

// The bench listens on it too.
export { QUEUE_WAKE_CHANNEL } from "@wfc/core";

/**
 * Longest a wake waits for DBOS's own poll of the queue to finish before leaving it to the next
 * one. That poll may have read the queue just before the enqueue committed, and on a loaded
 * machine it can take a good part of a second: giving up early costs the start a whole interval.
 */
const BUSY_WAIT_MS = 5_000;
/** First and longest pause between asking again while DBOS's poll runs (doubling). */
const BUSY_RETRY_MS = { first: 1, max: 25 };

/** Where the wake-ups come from: the worker's LISTEN connection (`ChangeFeed.listen`), given to it. */
export interface WakeSource {
  listen(channel: string, handler: ChangeHandler): () => void;
  ready(): Promise<void>;
}

export interface QueueWake {
  /** Stops listening and waits for a poll in progress; call before `DBOS.shutdown()`. */
  stop(): Promise<void>;
}

/**
 * Wakes DBOS's queue dispatch on every enqueue notification, instead of waiting for its next
 * poll (which stays, at the queue's polling interval, as the safety net for a lost
 * notification). Polls of a queue never overlap: a notification during one asks for one more
 * after it (the running one may have read the queue before that workflow committed). Once
 * listening, and whenever the LISTEN connection was lost, it polls every queue in `queues`:
 * enqueues meanwhile sent notifications nobody heard.
 */
export function startQueueWake(
  source: WakeSource,
  poller: QueuePoller,
  queues: readonly string[],
): QueueWake {
  const flights = new Map<string, { again: boolean; done: Promise<void> }>();
  let stopped = false;

  const wake = (queueName: string) => {
    if (stopped) return;
    const flight = flights.get(queueName);
    if (flight) {
      flight.again = true;
      return;
    }
    const state = { again: false, done: Promise.resolve() };
    state.done = drain(queueName, state).finally(() => flights.delete(queueName));
    flights.set(queueName, state);
  };

  async function drain(queueName: string, state: { again: boolean }) {
    let busySince: number | undefined;
    let pause = BUSY_RETRY_MS.first;
    for (;;) {
      state.again = false;
      let result: PollResult;
      try {
        result = await poller.poll(queueName);
      } catch {
        return; // DBOS logs its own poll errors; its next scheduled poll retries.
      }
      if (result === "busy") {
        // DBOS's own poll runs now, and may have read the queue before this enqueue committed.
        busySince ??= performance.now();
        if (performance.now() - busySince > BUSY_WAIT_MS) return;
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, BUSY_RETRY_MS.max);
        state.again = true;
      } else {
        busySince = undefined;
        pause = BUSY_RETRY_MS.first;
      }
      if (!state.again || stopped || result === "not-dispatched") return;
    }
  }

  const wakeAll = () => queues.forEach(wake);
  const unlisten = source.listen(QUEUE_WAKE_CHANNEL, (queueName) => {
    if (queueName === undefined) wakeAll();
    else wake(queueName);
  });
  // A failure to listen now is retried by the source, which then calls back with undefined.
  source.ready().then(wakeAll, () => {});
  return {
    async stop() {
      stopped = true;
      unlisten();
      await Promise.all([...flights.values()].map((f) => f.done));
    },
  };
}

export interface DispatchWakeOptions {
  source: WakeSource;
  /** The queues to poll after a lost connection (the worker's own). */
  queues: readonly string[];
  enabled: boolean;
  log?: (line: Record<string, unknown>) => void;
}

/**
 * The worker's enqueue wake-up, when `enabled`: a wake on `source`, from the trigger the
 * schema's start-up step installed (`createEnqueueTrigger`). On an SDK whose queue runner is not
 * the shape `dbosQueuePoller` relies on, it says so once and dispatch is left to polling.
 */
export async function startDispatchWake(options: DispatchWakeOptions): Promise<QueueWake> {
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const off = { stop: async () => {} };
  if (!options.enabled) return off;
  const poller = dbosQueuePoller();
  if (!poller) {
    log({
      level: "warn",
      msg: "queue wake-up unavailable with this DBOS SDK: dispatch waits for queue polling",
    });
    return off;
  }
  return startQueueWake(options.source, poller, options.queues);
}
