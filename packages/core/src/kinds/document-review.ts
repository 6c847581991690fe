import * as z from "zod";
import { storedInteger } from "../contracts/stored.js";
import { defineKind } from "../kind.js";

/**
 * A document review, the example kind of this repository beyond the seed's: every page is
 * checked (progress as events, one audit record per page on a stream), then the workflow waits
 * for a reviewer's decision on its own topic.
 *
 * Decisions arrive on topic `review` as `{"decision": "approve" | "request_changes",
 * "reviewer": "...", "note"?: "..."}`. Only the literal `"approve"` approves. A message that is
 * not a valid decision (`{"approved": true}`, a misspelt decision, no reviewer) is recorded on
 * the audit log as `ignored_message` and waited past: the review goes on until a valid decision
 * or the review's deadline, which an ignored message does not extend. Treating it as a
 * request for changes instead would let one malformed request end a review nobody decided.
 */

export const MAX_PAGES = 50;
export const REVIEW_TOPIC = "review";
export const AUDIT_STREAM = "audit_log";

// A review is human-paced, hence minutes by default; the bound keeps a value meant as
// milliseconds from parking a workflow for years.
const MAX_REVIEW_TIMEOUT_SECONDS = 7 * 24 * 3600;

const pagesSchema = storedInteger("pages", { min: 1, max: MAX_PAGES });

/** A reviewer's message on `review`, as the workflow accepts it. */
export const reviewDecisionSchema = z.object({
  decision: z.enum(["approve", "request_changes"]),
  reviewer: z.string().trim().min(1).max(200),
  note: z.string().max(2000).optional(),
  /** The dashboard sends the text typed beside its buttons as `message`: kept as the note. */
  message: z.string().max(2000).optional(),
});
export type ReviewDecision = z.output<typeof reviewDecisionSchema>;

const stamped = { timestamp: z.number() };

/** The audit log's records; `timestamp` is epoch seconds with fractions, as the seed's streams. */
export const auditRecordSchema = z.discriminatedUnion("type", [
  z.object({
    ...stamped,
    type: z.literal("page_checked"),
    page: z.number(),
    of: z.number(),
    checksum: z.string(),
  }),
  z.object({
    ...stamped,
    type: z.literal("decision"),
    decision: reviewDecisionSchema.shape.decision,
    reviewer: z.string(),
    note: z.string().nullable(),
  }),
  z.object({
    ...stamped,
    type: z.literal("ignored_message"),
    reason: z.string(),
    message: z.unknown(),
  }),
  z.object({ ...stamped, type: z.literal("timed_out"), after_seconds: z.number() }),
  // With REVIEW_NOTIFY_URL: the approval link was posted there, or could not be.
  z.object({ ...stamped, type: z.literal("link_sent"), expires_at: z.string() }),
  z.object({ ...stamped, type: z.literal("link_not_sent"), reason: z.string() }),
]);
export type AuditRecord = z.output<typeof auditRecordSchema>;

export default defineKind({
  name: "document-review",
  workflowName: "document_review",
  summary: "Start a document review: its pages are checked, then a reviewer decides",
  params: z.object({ pages: pagesSchema }),
  example: { pages: 2 },
  args: ({ pages }) => [pages] as [pages: number],
  events: ["pages_reviewed", "progress", "state"],
  topics: [REVIEW_TOPIC],
  streams: [AUDIT_STREAM],
  settings: {
    reviewTimeoutSeconds: {
      env: "REVIEW_TIMEOUT_SECONDS",
      schema: z.coerce
        .number()
        .positive("must be a positive number of seconds")
        .max(MAX_REVIEW_TIMEOUT_SECONDS, `must be at most ${MAX_REVIEW_TIMEOUT_SECONDS} (7 days)`)
        .default(120),
      description: "How long a document review waits for a reviewer's decision, in seconds",
    },
    notifyUrl: {
      env: "REVIEW_NOTIFY_URL",
      schema: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
      description:
        'Where a review that waits for its reviewer posts an approval link, as JSON {"text", "url", "workflow_id", "expires_at"} (a chat\'s incoming webhook, your mailer). The worker signs it (TOKEN_KEYS) and starts it with PUBLIC_API_URL. Unset: no link is sent',
    },
  },
  answer: z.object({
    workflow_id: z.string(),
    message: z.string(),
    pages: z.number().int(),
    events: z.object({
      progress: z.string(),
      state: z.string(),
      pages_reviewed: z.string(),
      all: z.string(),
    }),
    send_review: z.string(),
    audit_log: z.string(),
    note: z.string(),
  }),
  respond: (workflowId, { pages }) => {
    const events = `/workflow-events/${workflowId}`;
    return {
      workflow_id: workflowId,
      message: `Review of ${pages} page(s) started; it waits for a reviewer once every page is checked`,
      pages,
      events: {
        progress: `${events}/progress`,
        state: `${events}/state`,
        pages_reviewed: `${events}/pages_reviewed`,
        all: `${events}/all`,
      },
      send_review: `/send-message/${workflowId}?topic=${REVIEW_TOPIC}`,
      audit_log: `/workflow-stream/${workflowId}?key=${AUDIT_STREAM}`,
      note: 'Send POST with JSON body: {"decision": "approve" | "request_changes", "reviewer": "...", "note": "..."}',
    };
  },
  approvals: {
    [REVIEW_TOPIC]: {
      question: "Approve this document?",
      choices: [
        { name: "approve", label: "Approve" },
        { name: "request_changes", label: "Request changes", reject: true },
      ],
      summary: ({ pages_reviewed }) =>
        typeof pages_reviewed === "number"
          ? `All ${pages_reviewed} page(s) were checked; the review waits for your decision.`
          : undefined,
      // A decision as the workflow takes it (`reviewDecisionSchema`): the link's recipient is the
      // reviewer, and the choice names are the decisions.
      message: ({ choice, recipient, note }) => ({
        decision: choice,
        reviewer: recipient ?? "approval link",
        ...(note !== undefined && { note }),
      }),
    },
  },
  dashboard: {
    labels: { pages: "Pages" },
    actions: [
      {
        label: "Approve",
        topic: REVIEW_TOPIC,
        message: { decision: "approve", reviewer: "dashboard" },
      },
      {
        label: "Request changes",
        topic: REVIEW_TOPIC,
        message: { decision: "request_changes", reviewer: "dashboard" },
        reject: true,
      },
    ],
    progress: { percent: "progress", status: "state" },
    log: { stream: AUDIT_STREAM, records: auditRecordSchema },
  },
});

/** The `state` event's values, in the order a review goes through them. */
export type ReviewState =
  "reviewing" | "waiting_for_reviewer" | "approved" | "changes_requested" | "timed_out";

/** The workflow's output: how the review ended. */
export interface DocumentReviewOutput {
  outcome: Extract<ReviewState, "approved" | "changes_requested" | "timed_out">;
  pages_reviewed: number;
  /** Each page's checksum, in page order. */
  checksums: string[];
  reviewer: string | null;
  note: string | null;
  ignored_messages: number;
}
