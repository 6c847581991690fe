import { DBOS } from "@dbos-inc/dbos-sdk";
import type { Queryable } from "../db/queryable.js";
import { closeReceive, openReceive, recordReceived } from "../dbos/receives.js";

/** The next message on `topic`, or null after `timeoutSeconds`. Messages sent earlier wait. */
export type Receive = <T = unknown>(topic: string, timeoutSeconds: number) => Promise<T | null>;

// A database blip retried, as the seed's step is, rather than failing the workflow.
const STEP = { retriesAllowed: true, maxAttempts: 3, intervalSeconds: 1 } as const;

/**
 * DBOS's `recv`, with each receive's state recorded in `RECEIVES_TABLE` on `db` (a pool the
 * steps borrow one connection of at a time, never while the SDK holds another for them), so
 * that a send answered 200 is one the workflow can still receive:
 * - a step records that the workflow waits on `topic` until a deadline (re-opening the topic);
 * - DBOS's `recv` waits until then;
 * - a message: a step records it received;
 * - no message: a step closes the topic (sends are refused from then on: `closeReceive`), and
 *   a last `recv` without waiting takes a message that was committed between DBOS's timeout and
 *   the close, which its sender was told was sent.
 * Every step is checkpointed, so a recovered workflow replays the same receives. A topic whose
 * receive timed out stays closed until the workflow receives on it again: a workflow that polls
 * a topic in short receives has sends refused between them.
 */
export function createReceive(db: Queryable): Receive {
  return async <T>(topic: string, timeoutSeconds: number) => {
    const workflowId = DBOS.workflowID!;
    const deadlineEpochMS = await DBOS.runStep(
      () => openReceive(db, workflowId, topic, timeoutSeconds),
      { name: "wfc_receive_open", ...STEP },
    );
    const message = await DBOS.recv<T>(topic, { deadlineEpochMS });
    if (message !== null) {
      await DBOS.runStep(() => recordReceived(db, workflowId, topic), {
        name: "wfc_receive_received",
        ...STEP,
      });
      return message;
    }
    await DBOS.runStep(() => closeReceive(db, workflowId, topic), {
      name: "wfc_receive_close",
      ...STEP,
    });
    return DBOS.recv<T>(topic, { timeoutSeconds: 0 });
  };
}
