import { createHash } from "node:crypto";
import { ConflictError, GoneError, type DeliveryRecord } from "@wfc/core";
import type { Backend } from "./backend.js";
import { checkStillRunning, checkTopic, messageRefusal } from "./channels.js";
import type { MessageKeys } from "./message-keys.js";
import { retiredVersionConflict } from "./retired-version.js";

/** Where a message goes. */
export interface Target {
  workflowId: string;
  topic: string;
}

const fingerprintOf = (message: unknown) =>
  createHash("sha256").update(JSON.stringify(message)).digest("hex");

/**
 * Stores a message only where it can be received: the workflow exists (404), its kind declares
 * the topic (409), it has not finished (409), its version's workers have not retired (409) and
 * its receive on the topic has not timed out (409). A keyed message (`keys`) is stored once: a
 * repeat with the same target and message answers as the first did, even after its workflow has
 * finished (a retry after a lost answer); the same key with another target or message is a 409,
 * never a 200 over a message that was dropped; a single-use key (`MessageKeys.singleUse`) is a 410
 * on any repeat. The checks run in the store's own statement (one
 * round trip, as the SDK's unchecked send); the errors explain what it refused.
 */
export async function deliverMessage(
  backend: Backend,
  target: Target,
  message: Record<string, unknown>,
  keys?: MessageKeys,
): Promise<void> {
  const delivery = { ...target, message };
  const refusal = messageRefusal(target.topic);
  const record: DeliveryRecord | undefined = keys && {
    key: keys.record,
    ...target,
    fingerprint: fingerprintOf(message),
  };
  const outcome = await backend.send(
    keys && record ? { ...delivery, dbosKey: keys.dbosKey, record } : delivery,
    refusal,
  );
  if (keys && record && outcome.earlier) {
    if (keys.singleUse) throw new GoneError(`${keys.what} was already used: nothing more was sent`);
    return checkRepeat(outcome.earlier, record, keys.what);
  }
  if (outcome.accepted) return;
  checkTopic(outcome.identity, target.topic);
  checkStillRunning(target.workflowId, outcome.identity);
  if (outcome.retired) {
    const { version, current } = outcome.retired;
    throw retiredVersionConflict(target.workflowId, version, current, "sent a message");
  }
  if (outcome.receiveClosed) throw receiveClosedConflict(target);
  // Unreachable while `messageRefusal` and the checks above say the same; never a silent 200.
  throw new Error(`message to ${target.workflowId} refused for no stated reason`);
}

/**
 * The refusal of a message on a topic whose receive has timed out (`closeReceive`): the 200
 * would say it was sent while nothing will read it. A send that got in before the close is
 * received; this one came after.
 */
function receiveClosedConflict({ workflowId, topic }: Target): ConflictError {
  return new ConflictError(
    `Workflow '${workflowId}' is no longer waiting for a message on topic '${topic}': its wait ` +
      `timed out, so nothing would receive this message (it was not stored)`,
  );
}

/** @throws ConflictError unless `earlier` is the same message to the same target. */
function checkRepeat(earlier: DeliveryRecord, now: DeliveryRecord, what: string) {
  if (earlier.workflowId !== now.workflowId || earlier.topic !== now.topic) {
    throw new ConflictError(
      `${what} was already delivered to another workflow or topic; a key names one delivery`,
    );
  }
  if (earlier.fingerprint !== now.fingerprint) {
    throw new ConflictError(
      `${what} was already used with a different message; use a new key for a new message`,
    );
  }
}
