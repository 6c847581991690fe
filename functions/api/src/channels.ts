import { ConflictError, kindOfWorkflow, NotFoundError, type AnyKind } from "@wfc/core";
import type { Backend } from "./backend.js";

const listed = (names: readonly string[]) =>
  names.length ? names.map((n) => `'${n}'`).join(", ") : "none";

/**
 * The kind of an existing workflow, for checking a channel against its declaration; undefined
 * when the workflow's name is not a declared kind (another application's, a benchmark's).
 * @throws NotFoundError when the workflow does not exist.
 */
async function kindOf(backend: Backend, workflowId: string): Promise<AnyKind | undefined> {
  const identity = await backend.identity(workflowId);
  if (!identity) throw new NotFoundError("Workflow not found");
  return kindOfWorkflow(identity.name);
}

/**
 * A message on `topic` can be received by the workflow: its kind declares the topic.
 * @throws NotFoundError when the workflow does not exist; ConflictError when its kind has no such topic.
 */
export async function checkTopic(backend: Backend, workflowId: string, topic: string) {
  const kind = await kindOf(backend, workflowId);
  if (kind && !kind.topics.includes(topic)) {
    throw new ConflictError(
      `A '${kind.name}' workflow receives no messages on topic '${topic}' (its topics: ${listed(kind.topics)})`,
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
      `A '${kind.name}' workflow has no stream '${key}' (its streams: ${listed(kind.streams)})`,
    );
  }
  return identity;
}
