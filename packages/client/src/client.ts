import { hc } from "hono/client";
import {
  jsonStartPath,
  kindNamed,
  startPath,
  type AnswerOf,
  type AnyKind,
  type KindNamed,
  type ParamsOf,
  type StartableKind,
  type VersionsReport,
  type WorkflowKind,
  type WorkflowStatusName,
} from "@wfc/core/contracts";
import type { ApiApp } from "./api-type.js";
import {
  followEvents,
  followStream,
  WorkflowApiError,
  type FollowEventsOptions,
  type FollowStreamOptions,
} from "@wfc/browser";
import type { AllEvents, StreamSnapshot } from "./shapes.js";
import type { Transport } from "./transport.js";

/** The JSON of a 2xx answer: error bodies (`{"detail"}`) are thrown, never returned. */
async function ok<R extends { ok: boolean; json(): Promise<unknown> }>(
  pending: Promise<R>,
): Promise<Exclude<Awaited<ReturnType<R["json"]>>, { detail: string }>> {
  const response = await pending;
  if (!response.ok) throw await WorkflowApiError.from(response as unknown as Response);
  return (await response.json()) as Exclude<Awaited<ReturnType<R["json"]>>, { detail: string }>;
}

/** Options of `sendMessage`. */
export interface SendOptions {
  /** The topic (default: the seed's `notification`); the workflow's kind must declare it. */
  topic?: string;
  /** A retried send with the same key is delivered once. */
  idempotencyKey?: string;
}

/** Names of one kind a token reaches: a list, or `"*"` for all. */
export type TokenNames = string[] | "*";

/** What `mintLink` asks for: the topic, and optionally fewer choices, the recipient, a lifetime. */
export interface LinkRequest {
  topic: string;
  /** Names of the approval's choices the link offers (default: all). */
  choices?: string[];
  /** Who the link is for: shown on its page, passed to the message. */
  recipient?: string;
  /** Lifetime in seconds: default 86400, at most 604800 (7 days). */
  ttl_seconds?: number;
}

/** A minted approval link: its URL for the person, and what it offers until when. */
export interface MintedLink {
  url: string;
  path: string;
  link_id: string;
  workflow_id: string;
  topic: string;
  choices: string[];
  recipient?: string;
  expires_at: string;
}

/** What `mintToken` asks for: one workflow, what of it, and for how long. */
export interface TokenRequest {
  workflow_id: string;
  events?: TokenNames;
  streams?: TokenNames;
  topics?: TokenNames;
  /** Lifetime in seconds: default 900, at most 86400. */
  ttl_seconds?: number;
}

/** A minted token, when it expires (ISO 8601), and what it reaches. */
export interface MintedToken {
  token: string;
  expires_at: string;
  scope: Required<Omit<TokenRequest, "ttl_seconds">>;
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
  const startJson = async <N extends StartableKind>(
    kind: N,
    workflowId: string,
    params: ParamsOf<KindNamed<N>>,
  ): Promise<AnswerOf<KindNamed<N>>> => {
    const response = await transport.fetch(
      transport.baseUrl + jsonStartPath(kindNamed(kind), workflowId),
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(params),
      },
    );
    if (!response.ok) throw await WorkflowApiError.from(response);
    return (await response.json()) as AnswerOf<KindNamed<N>>;
  };
  return {
    /**
     * Starts a workflow of a declared kind with its start parameters; starting an existing ID
     * with the same parameters returns it (never a rerun). The parameters and the answer are
     * typed by the kind's declaration. A kind with a path route is started by it (the seed's
     * `/start-workflow-<kind>/...`); one without (`pathRoute: false`: lists, objects) with its
     * parameters as a JSON body (`/start/<kind>/{id}`). @throws WorkflowApiError 422 naming a bad
     * parameter, 409 for an ID of another kind or started with other parameters.
     */
    start: async <N extends StartableKind>(
      kind: N,
      workflowId: string,
      params: ParamsOf<KindNamed<N>>,
    ): Promise<AnswerOf<KindNamed<N>>> => {
      const declared: AnyKind = kindNamed(kind);
      if (!declared.pathRoute) return startJson(kind, workflowId, params);
      const path = startPath(declared, workflowId, params as never);
      const response = await transport.fetch(transport.baseUrl + path, { method: "POST" });
      if (!response.ok) throw await WorkflowApiError.from(response);
      return (await response.json()) as AnswerOf<KindNamed<N>>;
    },
    /** `start` by the JSON route (`POST /start/<kind>/{id}`), whatever routes the kind has. */
    startJson,
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
     * Sends a JSON object to the workflow on `topic` (default: the seed's `notification`). With
     * `idempotencyKey`, a retried send is delivered once. @throws WorkflowApiError 409 when the
     * workflow's kind declares no such topic.
     */
    sendMessage: (
      workflowId: string,
      payload: Record<string, unknown>,
      { topic, idempotencyKey }: SendOptions = {},
    ) =>
      ok(
        api["send-message"][":workflow_id"].$post(
          {
            param: { workflow_id: workflowId },
            query: { topic },
            header: { "idempotency-key": idempotencyKey },
          },
          {
            init: { body: JSON.stringify(payload) },
            headers: { "content-type": "application/json" },
          },
        ),
      ),
    /**
     * The stream as it is now, without waiting. From `offset` on, or its last `tail` values
     * (1..`MAX_STREAM_TAIL`; one or the other), the answer also says where the values begin
     * (`offset`), where to continue (`next_offset`) and whether the stream is `closed`.
     */
    streamSnapshot: <T = unknown>(
      workflowId: string,
      { key, offset, tail }: { key?: string; offset?: number; tail?: number } = {},
    ) =>
      ok(
        api["workflow-stream"][":workflow_id"].$get({
          param: { workflow_id: workflowId },
          query: { key, offset: optional(offset), tail: optional(tail) },
        }),
      ) as Promise<StreamSnapshot<T>>,
    /**
     * Follows the stream live: each value with its offset (from `offset`, or from the last
     * `tail` values), until the stream closes or the workflow finishes. A dropped connection, or
     * a feed that reached the server's time limit (`reconnect`, resumed at once), continues
     * after the last value received (`Last-Event-ID`), so nothing is skipped or repeated.
     */
    followStream: <T = unknown>(workflowId: string, options?: FollowStreamOptions) =>
      followStream<T>(transport, workflowId, options),
    /**
     * Follows event changes live (`{key, value}`), until the workflow finishes; across
     * reconnections (dropped, or the server's time limit) a value already delivered is not repeated.
     * `onWaitingFor` hears what the workflow waits for as that changes.
     */
    followEvents: (workflowId: string, options?: FollowEventsOptions) =>
      followEvents(transport, workflowId, options),
    /**
     * A workflow's kind, status, timestamps, output or error once finished, and `waiting_for`:
     * the receive it is blocked in (`{topic, since, deadline}`), or null.
     */
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
    /**
     * Application versions with their PENDING and ENQUEUED counts, newest first: whether an older
     * release is still `draining` or `drained`.
     */
    // Named by its contract: the route's own type would name core's entry in the declarations.
    versions: (): Promise<VersionsReport> => ok(api.versions.$get()),
    /**
     * Mints a capability token for one workflow: its status, the listed `events`, `streams` and
     * `topics` (each a list or `"*"`, none by default), for `ttl_seconds` (default 900, at most
     * 86400). Hand it to a browser; the client made with it (`withApiKey(fetch, token)`) reaches
     * that scope only. Needs the API key. @throws WorkflowApiError 404 when the API has no
     * signing keys, 422 for a bad scope or lifetime.
     */
    mintToken: (request: TokenRequest) =>
      ok(api.tokens.$post({ json: request })) as Promise<MintedToken>,
    /**
     * Revokes every token of a workflow issued until now (tokens minted afterwards work). Other
     * API processes may take up to 5 s to refuse a revoked token.
     */
    revokeTokens: (workflowId: string) =>
      ok(api.workflows[":workflow_id"].tokens.revoke.$post({ param: { workflow_id: workflowId } })),
    /**
     * Mints a signed, single-use approval link for one topic of a workflow (one its kind declares
     * an approval on): a person answers it with no key. @throws WorkflowApiError 409 for a topic
     * without an approval or a finished workflow.
     */
    mintLink: (workflowId: string, request: LinkRequest) =>
      ok(
        api.workflows[":workflow_id"].links.$post({
          param: { workflow_id: workflowId },
          json: request,
        }),
      ) as Promise<MintedLink>,
    /** Liveness of the API. */
    health: () => ok(api.health.$get()),
  };
}

/** The client `createWorkflowClient` returns. */
export type WorkflowClient = ReturnType<typeof createWorkflowClient>;
