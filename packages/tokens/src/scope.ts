/** Every name of its kind (all event keys, all streams, all topics). */
export const ANY = "*";

/** Names of one kind a token reaches: those listed, or every one (`"*"`). */
export type Names = readonly string[] | typeof ANY;

/**
 * What a token reaches, all of it on one workflow: its status always, the listed event keys
 * (read, waited for, followed live), the listed streams (snapshot and live), and sends on the
 * listed topics. Nothing else: no other workflow (not its children either), no start, no
 * management, no minting.
 */
export interface TokenScope {
  workflow_id: string;
  events: Names;
  streams: Names;
  topics: Names;
}

/** What a request asks of a workflow, in the terms of a scope. */
export type Access =
  | { workflowId: string; kind: "status" }
  | { workflowId: string; kind: "event" | "stream" | "topic"; name: string }
  /** Every event key at once (`/workflow-events/{id}/all`): answered with those in scope. */
  | { workflowId: string; kind: "events" };

const listOf = { event: "events", stream: "streams", topic: "topics" } as const;

/** Whether `names` holds `name`. */
export const includes = (names: Names, name: string) => names === ANY || names.includes(name);

/**
 * Why `scope` does not reach `access`, or undefined when it does. The workflow IDs are compared
 * exactly, as the route decoded them: a prefix, a child or another spelling is another workflow.
 */
export function refusal(scope: TokenScope, access: Access): string | undefined {
  if (scope.workflow_id !== access.workflowId) return "This token is for another workflow";
  if (access.kind === "status" || access.kind === "events") return undefined;
  const list = listOf[access.kind];
  if (includes(scope[list], access.name)) return undefined;
  return `This token does not reach the ${access.kind} '${access.name}' (its ${list}: ${describe(scope[list])})`;
}

const describe = (names: Names) => (names === ANY ? "all" : names.join(", ") || "none");
