import { createHash } from "node:crypto";
import { DBOS_SCHEMA, lockSetup, WFC_SCHEMA } from "@wfc/core";
import type { ChangeHandler } from "@wfc/realtime";
import { inSetupTransaction } from "./setup-transaction.js";
import { dbosQueuePoller, type PollResult, type QueuePoller } from "./dbos-queue-poll.js";

/** The channel the enqueue trigger NOTIFYs, payload: the queue's name. */
export const QUEUE_WAKE_CHANNEL = "wfc_workflow_enqueued";

const FUNCTION = `${WFC_SCHEMA}.notify_workflow_enqueued`;
const TRIGGER = "wfc_notify_workflow_enqueued";
const TABLE = `${DBOS_SCHEMA}.workflow_status`;
const CREATE_TRIGGER = `CREATE OR REPLACE TRIGGER ${TRIGGER}
      AFTER INSERT OR UPDATE OF status ON ${TABLE}
      FOR EACH ROW WHEN (NEW.status = 'ENQUEUED' AND NEW.queue_name IS NOT NULL)
      EXECUTE FUNCTION ${FUNCTION}()`;
// Kept as the trigger's comment: a start finds the trigger it would create and leaves it.
const TRIGGER_DIGEST = createHash("sha256").update(CREATE_TRIGGER).digest("hex");

/**
 * Longest a wake waits for DBOS's own poll of the queue to finish before leaving it to the next
 * one. That poll may have read the queue just before the enqueue committed, and on a loaded
 * machine it can take a good part of a second: giving up early costs the start a whole interval.
 */
const BUSY_WAIT_MS = 5_000;
/** First and longest pause between asking again while DBOS's poll runs (doubling). */
const BUSY_RETRY_MS = { first: 1, max: 25 };

/**
 * Creates (or replaces) the trigger that NOTIFYs `QUEUE_WAKE_CHANNEL` with the queue's name when
 * a workflow becomes ENQUEUED (inserted so, or set so: a resume, a recovery). PostgreSQL sends
 * it when the transaction commits, once per queue and transaction, so a listener polls exactly
 * when the row is visible. The worker owns our schema and creates it at start-up, as it does the
 * deliveries table; safe for workers starting together. The trigger is (re)created only when it
 * is missing or another release's: creating one locks DBOS's busiest table against writes, and
 * waits for every open transaction that wrote to it (the API role's included), so a restart
 * leaves it alone. Gives up after `waitMs` waiting for a lock (`StartupLockError`).
 */
export async function ensureEnqueueTrigger(databaseUrl: string, waitMs: number) {
  await inSetupTransaction(databaseUrl, { what: "the enqueue trigger", waitMs }, async (client) => {
    await lockSetup(client);
    await client.query(`CREATE OR REPLACE FUNCTION ${FUNCTION}() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${QUEUE_WAKE_CHANNEL}', NEW.queue_name);
        RETURN NULL;
      END $$`);
    const { rows } = await client.query<{ digest: string | null }>(
      `SELECT obj_description(oid, 'pg_trigger') AS digest FROM pg_trigger
        WHERE tgrelid = $1::regclass AND tgname = $2`,
      [TABLE, TRIGGER],
    );
    if (rows[0]?.digest === TRIGGER_DIGEST) return;
    await client.query(CREATE_TRIGGER);
    await client.query(`COMMENT ON TRIGGER ${TRIGGER} ON ${TABLE} IS '${TRIGGER_DIGEST}'`);
  });
}

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
  databaseUrl: string;
  source: WakeSource;
  /** The queues to poll after a lost connection (the worker's own). */
  queues: readonly string[];
  enabled: boolean;
  /** How long creating the trigger may wait for a lock (`STARTUP_LOCK_WAIT_MS`). */
  setupWaitMs: number;
  log?: (line: Record<string, unknown>) => void;
}

/**
 * The worker's enqueue wake-up, when `enabled`: the trigger, then a wake on `source`. On an SDK
 * whose queue runner is not the shape `dbosQueuePoller` relies on, it says so once and
 * dispatch is left to polling.
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
  await ensureEnqueueTrigger(options.databaseUrl, options.setupWaitMs);
  return startQueueWake(options.source, poller, options.queues);
}
