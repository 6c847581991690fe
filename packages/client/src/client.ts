import { hc } from "hono/client";
import type { WorkflowKind, WorkflowStatusName } from "@wfc/core";
import type { ApiApp } from "./api-type.js";
import { WorkflowApiError } from "./errors.js";
import type { AllEvents, StreamSnapshot } from "./shapes.js";
import { followEvents, followStream, type FollowOptions } from "./live.js";
import type { Transport } from "./transport.js";

/** The JSON of a 2xx answer: error bodies (`{"detail"}`) are thrown, never returned. */
async function ok<R extends { ok: boolean; json(): Promise<unknown> }>(
  pending: Promise<R>,
): Promise<Exclude<Awaited<ReturnType<R["json"]>>, { detail: string }>> {
  const response = await pending;
  if (!response.ok) throw await WorkflowApiError.from(response as unknown as Response);
  return (await response.json()) as Exclude<Awaited<ReturnType<R["json"]>>, { detail: string }>;
}

/** Filter and page of `listWorkflows`. */
export interface ListOptions {
  status?: WorkflowStatusName;
  kind?: WorkflowKind;
  /** 1..100, default 20. */
  limit?: number;
  offset?: number;
}

const optional = (value: number | undefined) => (value === undefined ? undefined : String(value));

/**
 * A typed client of the workflow API over any transport (`httpTransport`, or `lambdaTransport`
 * from `@wfc/client/lambda`). Every method throws `WorkflowApiError` for a non-2xx answer.
 */
export function createWorkflowClient(transport: Transport) {
  const api = hc<ApiApp>(transport.baseUrl, { fetch: transport.fetch });
  const start = (n: number) => String(n);
  return {
    /** Starts the events workflow (n steps, 1..20); starting an existing ID returns it. */
    startEvents: (workflowId: string, nSteps: number) =>
      ok(
        api["start-workflow-events"][":workflow_id"][":n_steps"].$post({
          param: { workflow_id: workflowId, n_steps: start(nSteps) },
        }),
      ),
    /** Starts the messaging workflow, which waits for an approval message. */
    startMessaging: (workflowId: string, nSteps: number) =>
      ok(
        api["start-workflow-messaging"][":workflow_id"][":n_steps"].$post({
          param: { workflow_id: workflowId, n_steps: start(nSteps) },
        }),
      ),
    /** Starts the streaming workflow, which appends 2n+2 records to its stream. */
    startStreaming: (workflowId: string, nSteps: number) =>
      ok(
        api["start-workflow-streaming"][":workflow_id"][":n_steps"].$post({
          param: { workflow_id: workflowId, n_steps: start(nSteps) },
        }),
      ),
    /**
     * One event's value, waiting up to `timeoutSeconds` (0..25, server default 5) for it to be
     * set. @throws WorkflowApiError 404 when it is not set in time.
     */
    getEvent: async <T = unknown>(workflowId: string, key: string, timeoutSeconds?: number) => {
      const answer = await ok(
        api["workflow-events"][":workflow_id"][":event_key"].$get({
          param: { workflow_id: workflowId, event_key: key },
          query: { timeout: optional(timeoutSeconds) },
        }),
      );
      return answer as Omit<typeof answer, "value"> & { value: T };
    },
    /** Every event the workflow has set (`{}` for an unknown workflow). */
    allEvents: (workflowId: string) =>
      ok(
        api["workflow-events"][":workflow_id"].all.$get({ param: { workflow_id: workflowId } }),
      ) as Promise<AllEvents>,
    /**
     * Sends a JSON object to the workflow's `notification` topic. With `idempotencyKey`, a
     * retried send is delivered once.
     */
    sendMessage: (workflowId: string, payload: Record<string, unknown>, idempotencyKey?: string) =>
      ok(
        api["send-message"][":workflow_id"].$post(
          { param: { workflow_id: workflowId }, header: { "idempotency-key": idempotencyKey } },
          {
            init: { body: JSON.stringify(payload) },
            headers: { "content-type": "application/json" },
          },
        ),
      ),
    /**
     * The stream as it is now, without waiting; from `offset` on, the answer also says where to
     * continue (`next_offset`) and whether the stream is `closed`.
     */
    streamSnapshot: (workflowId: string, offset?: number) =>
      ok(
        api["workflow-stream"][":workflow_id"].$get({
          param: { workflow_id: workflowId },
          query: { offset: optional(offset) },
        }),
      ) as Promise<StreamSnapshot>,
    /**
     * Follows the stream live: each value with its offset, until the stream closes or the
     * workflow finishes. A dropped connection, or a feed that reached the server's time limit
     * (`reconnect`, resumed at once), continues after the last value received
     * (`Last-Event-ID`), so nothing is skipped or repeated.
     */
    followStream: (workflowId: string, options?: FollowOptions & { offset?: number }) =>
      followStream(transport, workflowId, options),
    /**
     * Follows event changes live (`{key, value}`), until the workflow finishes; across
     * reconnections (dropped, or the server's time limit) a value already delivered is not repeated.
     */
    followEvents: (workflowId: string, options?: FollowOptions) =>
      followEvents(transport, workflowId, options),
    /** A workflow's kind, status, timestamps, and output or error once finished. */
    getWorkflow: (workflowId: string) =>
      ok(api.workflows[":workflow_id"].$get({ param: { workflow_id: workflowId } })),
    /** Workflows, newest first, filtered by status and kind; `next_offset` is null on the last page. */
    listWorkflows: ({ status, kind, limit, offset }: ListOptions = {}) =>
      ok(
        api.workflows.$get({
          query: { status, kind, limit: optional(limit), offset: optional(offset) },
        }),
      ),
    /** Cancels a workflow that has not finished; it stops before its next step. */
    cancelWorkflow: (workflowId: string) =>
      ok(api.workflows[":workflow_id"].cancel.$post({ param: { workflow_id: workflowId } })),
    /** Resumes a cancelled or failed workflow from its last completed step. */
    resumeWorkflow: (workflowId: string) =>
      ok(api.workflows[":workflow_id"].resume.$post({ param: { workflow_id: workflowId } })),
    /** Liveness of the API. */
    health: () => ok(api.health.$get()),
  };
}

/** The client `createWorkflowClient` returns. */
export type WorkflowClient = ReturnType<typeof createWorkflowClient>;
