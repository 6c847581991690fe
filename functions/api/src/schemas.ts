import { VERSION_STATES, WORKFLOW_KINDS, type VersionsReport } from "@wfc/core";
import { z } from "zod";

// Response shapes, for /openapi.json and its contract test. Request shapes live with the routes
// that validate them.

export const errorResponse = z.object({ detail: z.string() }).meta({ id: "Error" });

export const healthResponse = z.object({ status: z.literal("ok"), memory_mb: z.number() });

export const eventResponse = z.object({
  workflow_id: z.string(),
  event_key: z.string(),
  value: z.unknown(),
});
export const allEventsResponse = z.object({
  workflow_id: z.string(),
  events: z.record(z.string(), z.unknown()),
});

export const sendResponse = z.object({
  workflow_id: z.string(),
  message: z.literal("Notification sent to workflow"),
  payload: z.record(z.string(), z.unknown()),
});
export const webhookResponse = z.object({
  workflow_id: z.string(),
  message: z.literal("Webhook delivered to workflow"),
  topic: z.string(),
  webhook_id: z.string(),
});

export const streamSnapshotResponse = z.object({
  workflow_id: z.string(),
  stream_values: z.array(z.unknown()),
  total_messages: z.number().int(),
  offset: z
    .number()
    .int()
    .optional()
    .describe("only with ?offset or ?tail: the first value's offset"),
  next_offset: z.number().int().optional().describe("only with ?offset or ?tail"),
  closed: z.boolean().optional().describe("only with ?offset or ?tail"),
});

export const workflowSummary = z
  .object({
    workflow_id: z.string(),
    kind: z.enum(WORKFLOW_KINDS).nullable(),
    name: z.string(),
    status: z.string(),
    created_at: z.string(),
    updated_at: z.string().nullable(),
    queue_name: z.string().nullable(),
    app_version: z.string().nullable(),
    executor_id: z.string().nullable(),
    output: z.unknown().optional(),
    error: z.object({ name: z.string(), message: z.string() }).nullable().optional(),
    waiting_for: z
      .object({
        topic: z.string(),
        since: z.string().describe("when the wait began (ISO 8601)"),
        deadline: z.string().describe("when it times out (ISO 8601)"),
      })
      .nullable()
      .optional()
      .describe(
        "only on a single workflow: the receive it is blocked in, null when it waits for no message",
      ),
  })
  .meta({ id: "Workflow" });
export const workflowList = z.object({
  workflows: z.array(workflowSummary),
  limit: z.number().int(),
  offset: z.number().int(),
  next_offset: z.number().int().nullable(),
});

export const versionsResponse = z.object({
  latest: z.string().nullable().describe("DBOS's latest version; null before any worker launched"),
  versions: z.array(
    z.object({
      version: z.string(),
      latest: z.boolean(),
      state: z.enum(VERSION_STATES),
      registered_at: z.string().nullable().describe("a worker's first launch of it"),
      pending: z.number().int(),
      enqueued: z.number().int(),
    }),
  ),
}) satisfies z.ZodType<VersionsReport>;

export const fanoutResponse = z.object({
  status: z.literal("completed"),
  handles_status: z.array(
    z.object({
      workflow_id: z.string(),
      status: z.string(),
      name: z.string(),
      queue_name: z.string().nullable(),
      created_at: z.number().nullable(),
    }),
  ),
});

/** The body of messages and webhooks: any JSON object (at most 64 KiB). */
export const messageBody = z.record(z.string(), z.unknown());

/** The body of a signed webhook: a message that names its target (see routes/webhooks.ts). */
export const webhookBody = z
  .object({ workflow_id: z.string(), topic: z.string().optional() })
  .catchall(z.unknown());

const scopeNames = z.union([z.literal("*"), z.array(z.string())]);
export const mintedToken = z.object({
  token: z.string(),
  expires_at: z.string().describe("ISO 8601"),
  scope: z.object({
    workflow_id: z.string(),
    events: scopeNames,
    streams: scopeNames,
    topics: scopeNames,
  }),
});
export const tokensRevoked = z.object({
  workflow_id: z.string(),
  revoked_before: z.string().describe("ISO 8601: tokens issued up to this second are refused"),
});

const linkChoice = z.object({
  name: z.string(),
  label: z.string(),
  reject: z.boolean().optional(),
});

export const mintedLink = z.object({
  url: z
    .string()
    .describe(
      "The link to hand to the person: PUBLIC_API_URL (or this request's origin) and `path`",
    ),
  path: z.string().describe("The link's path on the API: /links/<token>"),
  link_id: z.string(),
  workflow_id: z.string(),
  topic: z.string(),
  choices: z.array(z.string()),
  recipient: z.string().optional(),
  expires_at: z.string(),
});

export const linkView = z.object({
  workflow_id: z.string(),
  topic: z.string(),
  question: z.string(),
  summary: z.string().nullable(),
  choices: z.array(linkChoice),
  recipient: z.string().nullable(),
  expires_at: z.string(),
  waiting: z
    .boolean()
    .describe("The workflow waits on the topic now; otherwise the answer waits for it"),
});

export const linkAnswered = z.object({
  workflow_id: z.string(),
  topic: z.string(),
  choice: z.string(),
  message: z.literal("Answer sent to workflow"),
});
