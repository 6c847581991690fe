import {
  ConflictError,
  FINAL_STATUSES,
  isFinalStatus,
  KINDS,
  kindOfWorkflow,
  kindWorkflow,
  NotFoundError,
  type MessageRefusal,
  type WorkflowIdentity,
} from "@wfc/core";
import type { Backend } from "./backend.js";

const listed = (names: readonly string[]) =>
  names.length ? names.map((n) => `'${n}'`).join(", ") : "none";

/**
 * Who cannot receive a message on `topic`, as data the store applies in its own statement:
 * workflows that have finished (or are cancelled, see `checkStillRunning`) and workflows whose
 * kind declares other topics. `checkTopic` and `checkStillRunning` say why, from the same rules.
 */
export function messageRefusal(topic: string): MessageRefusal {
  return {
    statuses: FINAL_STATUSES,
    names: KINDS.filter((kind) => !(kind.topics as readonly string[]).includes(topic)).map(
      (kind) => kind.workflowName,
    ),
  };
}

/**
 * A message on `topic` can be received by the workflow: its kind declares the topic.
 * @throws NotFoundError when the workflow does not exist; ConflictError when its kind has no such topic.
 */
export function checkTopic(
  identity: WorkflowIdentity | undefined,
  topic: string,
): asserts identity is WorkflowIdentity {
  if (!identity) throw new NotFoundError("Workflow not found");
  // Undefined for a name that is not a declared kind (another application's, a benchmark's).
  const kind = kindOfWorkflow(identity.name);
  if (kind && !kind.topics.includes(topic)) {
    throw new ConflictError(
      `${kindWorkflow(kind.name)} receives no messages on topic '${topic}' (its topics: ${listed(kind.topics)})`,
    );
  }
}

/**
 * The workflow will still run, so a message stored now can be received: a finished workflow's
 * message would stay unread forever behind a 200. A CANCELLED one is refused too, although
 * `POST /workflows/{id}/resume` could bring it back: storing the message for a resume that may
 * never come is the same silent loss; the caller resumes first, then sends.
 * @throws ConflictError when the workflow has finished or is cancelled.
 */
export function checkStillRunning(workflowId: string, { status }: WorkflowIdentity) {
  if (status === "CANCELLED") {
    throw new ConflictError(
      `Workflow '${workflowId}' is cancelled: nothing would receive this message (resume it first: POST /workflows/${workflowId}/resume)`,
    );
  }
  if (isFinalStatus(status)) {
    throw new ConflictError(
      `Workflow '${workflowId}' has finished (${status}): nothing would receive this message`,
    );
  }
}

/**
 * The workflow's kind writes stream `key`; a workflow that does not exist passes (its stream is
 * empty, as in the seed).
 * @throws NotFoundError when its kind declares no such stream.
 */
export async function checkStream(backend: Backend, workflowId: string, key: string) {
  const identity = await backend.identity(workflowId);
  const kind = identity && kindOfWorkflow(identity.name);
  if (kind && !kind.streams.includes(key)) {
    throw new NotFoundError(
      `${kindWorkflow(kind.name)} has no stream '${key}' (its streams: ${listed(kind.streams)})`,
    );
  }
  return identity;
}
