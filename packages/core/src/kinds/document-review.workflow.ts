import { createHash } from "node:crypto";
import { DBOS } from "@dbos-inc/dbos-sdk";
import { LINK_MAX_TTL_SECONDS } from "@wfc/tokens";
import { defineWorkflow } from "../workflows/define.js";
import documentReview, {
  AUDIT_STREAM,
  REVIEW_TOPIC,
  reviewDecisionSchema,
  type AuditRecord,
  type DocumentReviewOutput,
  type ReviewDecision,
} from "./document-review.js";

/**
 * Checks one page: a stand-in for real work (OCR, a lint pass), cheap and deterministic. A
 * checkpointed step, so a recovered review never checks a finished page again. Registered once,
 * when the worker loads the kind's workflows.
 */
const checkPage = DBOS.registerStep(
  async (documentId: string, page: number) =>
    createHash("sha256").update(`${documentId}/page-${page}`).digest("hex").slice(0, 16),
  { name: "document_review_check_page" },
);

/**
 * Posts a review's approval link to REVIEW_NOTIFY_URL. A step, retried: a chat that is briefly
 * down gets the link once it is back, and a recovered review does not post it again.
 */
const postLink = DBOS.registerStep(
  async (url: string, body: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    // Not the URL: a chat's webhook URL is its secret, and this message goes on the audit log.
    if (!response.ok) throw new Error(`the notification URL answered ${response.status}`);
  },
  { name: "document_review_post_link", retriesAllowed: true, maxAttempts: 3, intervalSeconds: 1 },
);

type Unstamped<R> = R extends unknown ? Omit<R, "timestamp"> : never;

/** Why a message on `review` is not a decision, for the audit log. */
const problems = (error: { issues: { path: PropertyKey[]; message: string }[] }) =>
  error.issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`).join("; ");

/**
 * Checks every page (progress events and an audit record each), waits on `review` until a valid
 * decision or the review's deadline (invalid messages are recorded and waited past), records
 * the outcome, closes the audit log and returns a summary.
 */
export default defineWorkflow(
  documentReview,
  ({ setEvent, recv, writeStream, closeStream, settings, approvalLink }) => {
    // DBOS.now() is checkpointed: a recovered workflow replays the same times and deadline.
    const audit = async (record: Unstamped<AuditRecord>) =>
      writeStream(AUDIT_STREAM, { timestamp: (await DBOS.now()) / 1000, ...record });

    /** The first valid decision before the deadline, or null; counts the messages waited past. */
    async function awaitDecision(timeoutSeconds: number) {
      const deadline = (await DBOS.now()) + timeoutSeconds * 1000;
      let ignored = 0;
      for (;;) {
        // Past the deadline too, a receive (of no time): it closes the topic, so a decision sent
        // from now on is refused, never answered 200 and left unread.
        const left = Math.max(0, (deadline - (await DBOS.now())) / 1000);
        const message = await recv<unknown>(REVIEW_TOPIC, left);
        if (message === null) return { decision: null, ignored };
        const parsed = reviewDecisionSchema.safeParse(message);
        if (parsed.success) return { decision: parsed.data, ignored };
        ignored++;
        await audit({ type: "ignored_message", reason: problems(parsed.error), message });
      }
    }

    /**
     * Sends the reviewer an approval link that lasts as long as the review waits. A link that
     * cannot be minted or posted is recorded and the review waits all the same: it can still be
     * decided through the API or the dashboard.
     */
    async function sendLink(notifyUrl: string, workflowId: string, timeoutSeconds: number) {
      try {
        const ttlSeconds = Math.min(LINK_MAX_TTL_SECONDS, Math.ceil(timeoutSeconds));
        const link = await approvalLink(REVIEW_TOPIC, { ttlSeconds });
        const url = link.url ?? link.path;
        await postLink(notifyUrl, {
          text: `Document review ${workflowId} waits for your decision: ${url}`,
          url,
          workflow_id: workflowId,
          expires_at: link.expires_at,
        });
        await audit({ type: "link_sent", expires_at: link.expires_at });
      } catch (error) {
        await audit({ type: "link_not_sent", reason: String(error) });
      }
    }

    return async (pages): Promise<DocumentReviewOutput> => {
      const documentId = DBOS.workflowID!;
      await setEvent("state", "reviewing");
      await setEvent("pages_reviewed", 0);
      await setEvent("progress", 0);
      const checksums: string[] = [];
      for (let page = 1; page <= pages; page++) {
        const checksum = await checkPage(documentId, page);
        checksums.push(checksum);
        await audit({ type: "page_checked", page, of: pages, checksum });
        await setEvent("pages_reviewed", page);
        await setEvent("progress", Math.floor((page / pages) * 100));
      }
      await setEvent("state", "waiting_for_reviewer");

      const timeout = settings.reviewTimeoutSeconds;
      if (settings.notifyUrl) await sendLink(settings.notifyUrl, documentId, timeout);
      const { decision, ignored } = await awaitDecision(timeout);
      const summary = { pages_reviewed: pages, checksums, ignored_messages: ignored };
      let output: DocumentReviewOutput;
      if (decision === null) {
        await audit({ type: "timed_out", after_seconds: timeout });
        output = { ...summary, outcome: "timed_out", reviewer: null, note: null };
      } else {
        const { outcome, reviewer, note } = decided(decision);
        await audit({ type: "decision", decision: decision.decision, reviewer, note });
        output = { ...summary, outcome, reviewer, note };
      }
      await setEvent("state", output.outcome);
      await closeStream(AUDIT_STREAM);
      return output;
    };
  },
);

/** The outcome, reviewer and note of a valid decision. */
function decided(decision: ReviewDecision) {
  return {
    // Only the literal "approve" (enforced by the schema's enum) approves.
    outcome:
      decision.decision === "approve" ? ("approved" as const) : ("changes_requested" as const),
    reviewer: decision.reviewer,
    note: decision.note ?? decision.message ?? null,
  };
}
