import type { BrowserClient } from "@wfc/browser";
import { useSendMessage, useWorkflow, useWorkflowEvents, useWorkflowStream } from "@wfc/react";
import { useState } from "react";
import { REVIEW } from "../names.js";

/** The audit log's records this page words; any other is shown as its type. */
type AuditRecord =
  | { type: "page_checked"; page: number; of: number }
  | { type: "decision"; decision: string; reviewer: string }
  | { type: "timed_out" | "ignored_message" };

const describe = (record: AuditRecord) => {
  if (record.type === "page_checked") return `Page ${record.page} of ${record.of} checked`;
  if (record.type === "decision") return `Decision: ${record.decision} by ${record.reviewer}`;
  return record.type.replace("_", " ");
};

const failure = (error: unknown) =>
  error === undefined ? "" : error instanceof Error ? error.message : String(error);

/** One review, live: progress and state (events), its audit log (stream), and the decision. */
export function Review({ client, id }: { client: BrowserClient; id: string }) {
  const workflow = useWorkflow(client, id);
  const events = useWorkflowEvents(client, id);
  const log = useWorkflowStream<AuditRecord>(client, id, { key: REVIEW.stream });
  const review = useSendMessage(client, id, { topic: REVIEW.topic });
  const [reviewer, setReviewer] = useState("Ada");

  const progress = Number(events.data.events.progress ?? 0);
  const state = String(events.data.events.state ?? "starting");
  // The workflow says what it waits for: the buttons exist only while it waits on the topic
  // they send on, so a decision is never sent to a review that cannot take it.
  const deciding = workflow.data.waitingFor?.topic === REVIEW.topic;
  const problem = [workflow, events, log, review].map(({ error }) => failure(error)).find(Boolean);
  const decide = (decision: "approve" | "request_changes") =>
    review.send({ decision, reviewer }).catch(() => undefined); // shown from review.error

  return (
    <section aria-label={`Review ${id}`}>
      <p>
        Review <code>{id}</code>: <output aria-label="State">{state}</output>
        {workflow.data.workflow && <> (workflow {workflow.data.workflow.status})</>}
      </p>
      <p>
        Progress: <output aria-label="Progress percent">{progress}%</output>
      </p>
      <progress value={progress} max={100} aria-label="Progress" />
      {deciding && (
        <p>
          <label>
            Reviewer <input value={reviewer} onChange={(e) => setReviewer(e.target.value)} />
          </label>{" "}
          <button disabled={review.pending} onClick={() => decide("approve")}>
            Approve
          </button>
          <button disabled={review.pending} onClick={() => decide("request_changes")}>
            Request changes
          </button>
        </p>
      )}
      <h2>Audit log</h2>
      <ol aria-label="Audit log">
        {log.data.map(({ offset, value }) => (
          <li key={offset}>{describe(value)}</li>
        ))}
      </ol>
      {problem && <p role="alert">{problem}</p>}
    </section>
  );
}
