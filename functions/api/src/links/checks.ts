import { InvalidInputError, storableText, type Approval } from "@wfc/core";
import type { VerifiedLink } from "@wfc/tokens";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { Backend } from "../backend.js";
import { parseJsonObject } from "../json-body.js";
import { linkKeys } from "../message-keys.js";
import { MAX_NOTE_LENGTH } from "./page.js";

/** What answering a link takes: a choice the link offers, and an optional note. */
export const answerSchema = z.object({
  choice: z.string({ error: "choice is required: the name of one of the link's choices" }).min(1),
  note: storableText("note")
    .max(MAX_NOTE_LENGTH, `note must be at most ${MAX_NOTE_LENGTH} characters`)
    .optional(),
});

/** The answer a POST carries: a form (the page's buttons) or JSON (`{"choice", "note"}`). */
export async function readAnswer(c: Context) {
  const type = c.req.header("content-type") ?? "";
  const fields = /^application\/x-www-form-urlencoded/i.test(type)
    ? Object.fromEntries(new URLSearchParams(await c.req.text()))
    : parseJsonObject(await c.req.text());
  if (fields.note === "") delete fields.note;
  const parsed = answerSchema.safeParse(fields);
  if (!parsed.success)
    throw new InvalidInputError(parsed.error.issues.map((issue) => issue.message).join("; "));
  return parsed.data;
}

/**
 * The kind's summary of the workflow; none when it throws (a summary is the kind's own code, and
 * a page without it still lets the person answer).
 */
export function summaryOf(approval: Approval, events: Record<string, unknown>) {
  try {
    return approval.summary?.(events);
  } catch {
    return undefined;
  }
}

/** @throws a 410 (saying when) when the link was used; a concurrent use is caught by the delivery. */
export async function checkUnused(backend: Backend, link: VerifiedLink) {
  const usedAt = await backend.deliveredAt(linkKeys(link.link_id).record);
  if (usedAt)
    throw new HTTPException(410, {
      message: `This link was already used, on ${usedAt.toUTCString()}: nothing more can be sent with it`,
    });
}

/** @throws a 403 when the link does not offer `choice` (a form altered, a guess). */
export function checkOffered(link: VerifiedLink, choice: string) {
  if (!link.choices.includes(choice))
    throw new HTTPException(403, {
      message: `This link does not offer '${choice}' (it offers: ${link.choices.join(", ")}). Nothing was sent`,
    });
}
