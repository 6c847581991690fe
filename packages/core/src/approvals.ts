import { LINK_DEFAULT_TTL_SECONDS, LINK_MAX_TTL_SECONDS, type LinkGrant } from "@wfc/tokens";
import { z } from "zod";
import { kindWorkflow } from "./contracts/article.js";
import { ConflictError, InvalidInputError } from "./errors.js";
import {
  approvalOf,
  approvalTopics,
  type AnyKind,
  type Approval,
  type ApprovalAnswer,
} from "./kind.js";

/**
 * What minting an approval link takes, from `POST /workflows/{id}/links` or a workflow's
 * `approvalLink`: the rules are the same on both sides, so they are written here once.
 */
export const linkRequestSchema = z.object({
  topic: z
    .string({ error: "topic must be a string" })
    .min(1, "topic must not be empty")
    .describe("The topic the answer is sent on: one the workflow's kind declares an approval on"),
  choices: z
    .array(z.string({ error: "each choice must be a string" }))
    .min(1, "choices must list at least one choice")
    .max(20, "choices must list at most 20 choices")
    .optional()
    .describe("The choices the link offers, by name (default: every choice of the approval)"),
  recipient: z
    .string({ error: "recipient must be a string" })
    .trim()
    .min(1, "recipient must not be empty")
    .max(200, "recipient must be at most 200 characters")
    .regex(/^[^\p{Cc}]*$/u, "recipient must not hold control characters")
    .optional()
    .describe(
      "Who the link is for (an email address, a name): shown on its page, passed to the message",
    ),
  ttl_seconds: z
    .number({ error: "ttl_seconds must be a number of seconds" })
    .int("ttl_seconds must be a whole number of seconds")
    .min(1, "ttl_seconds must be at least 1")
    .max(LINK_MAX_TTL_SECONDS, `ttl_seconds must be at most ${LINK_MAX_TTL_SECONDS} (7 days)`)
    .default(LINK_DEFAULT_TTL_SECONDS)
    .describe("The link's lifetime in seconds (default a day, at most 7 days)"),
});
export type LinkRequest = z.input<typeof linkRequestSchema>;

const listed = (names: readonly string[]) =>
  names.length ? names.map((n) => `'${n}'`).join(", ") : "none";

/**
 * The approval `kind` declares on `topic`.
 * @throws ConflictError when it declares none there (a link to it could never be answered).
 */
export function approvalFor(kind: AnyKind, topic: string): Approval {
  const approval = approvalOf(kind, topic);
  if (approval) return approval;
  throw new ConflictError(
    `${kindWorkflow(kind.name)} takes no approval by link on topic '${topic}' (its approval topics: ${listed(approvalTopics(kind))})`,
  );
}

/**
 * What a link for `workflowId` (of `kind`) grants, from a parsed request.
 * @throws ConflictError when the kind has no approval on the topic; InvalidInputError when a
 *   choice is not one of the approval's.
 */
export function linkGrant(
  kind: AnyKind,
  workflowId: string,
  request: Omit<z.output<typeof linkRequestSchema>, "ttl_seconds">,
): LinkGrant {
  const approval = approvalFor(kind, request.topic);
  const declared = approval.choices.map((choice) => choice.name);
  const unknown = (request.choices ?? []).filter((choice) => !declared.includes(choice));
  if (unknown.length)
    throw new InvalidInputError(
      `choices ${listed(unknown)} are not choices of this approval (its choices: ${listed(declared)})`,
    );
  const choices = declared.filter((name) => !request.choices || request.choices.includes(name));
  return {
    workflow_id: workflowId,
    topic: request.topic,
    choices,
    ...(request.recipient !== undefined && { recipient: request.recipient }),
  };
}

/** The message an answer sends: the kind's, or the answer itself without unset fields. */
export function answerMessage(approval: Approval, answer: ApprovalAnswer): Record<string, unknown> {
  if (approval.message) return approval.message(answer);
  return Object.fromEntries(Object.entries(answer).filter(([, value]) => value !== undefined));
}
