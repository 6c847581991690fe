import {
  answerMessage,
  AppError,
  InvalidInputError,
  kindOfWorkflow,
  linkGrant,
  linkRequestSchema,
  NotFoundError,
  storableText,
  type Approval,
} from "@wfc/core";
import { LINK_PATH_PREFIX, mintLink, type VerifiedLink } from "@wfc/tokens";
import { Hono, type Context } from "hono";
import { accepts } from "hono/accepts";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { Backend } from "../backend.js";
import { checkStillRunning, checkTopic } from "../channels.js";
import { deliverMessage } from "../delivery.js";
import { STATUS } from "../errors.js";
import { limitBody, parseJsonObject } from "../json-body.js";
import { LinkForm, LinkOutcome, MAX_NOTE_LENGTH } from "../links/page.js";
import { linkSubject, openLink, type LinkAuth } from "../links/resolve.js";
import { LINK_STYLES } from "../links/styles.js";
import { linkKeys } from "../message-keys.js";
import { doc } from "../openapi.js";
import { pagePolicy } from "../page-policy.js";
import * as S from "../schemas.js";
import { validate } from "../validation.js";
import { workflowParam } from "./params.js";

/** What a link route is told by an API without signing keys. */
export const LINKS_OFF = "Approval links are not enabled on this API (TOKEN_KEYS)";

const answerSchema = z.object({
  choice: z.string({ error: "choice is required: the name of one of the link's choices" }).min(1),
  note: storableText("note")
    .max(MAX_NOTE_LENGTH, `note must be at most ${MAX_NOTE_LENGTH} characters`)
    .optional(),
});

/** The page's own policy: its one inline stylesheet, no script at all, forms to itself only. */
const POLICY = pagePolicy({ inlineStyles: [LINK_STYLES] }).replace(
  "script-src 'self'",
  "script-src 'none'",
);

/** What a page says above the detail, by status. */
const TITLES: Record<number, string> = {
  403: "This link cannot do that",
  404: "Nothing to decide here",
  409: "This decision is closed",
  410: "This link can no longer be used",
  413: "Your answer is too long",
  422: "Your answer could not be read",
};

const wantsJson = (c: Context) =>
  accepts(c, {
    header: "Accept",
    supports: ["text/html", "application/json"],
    default: "text/html",
  }) === "application/json";

/**
 * Answers a link route: `work`'s JSON, or its page (HTML unless the client asks for JSON), and
 * each refusal as a page (or `{"detail"}`) with its status. Link pages are never cached: each
 * holds a credential in its URL and a state that changes once.
 */
async function answer(
  c: Context,
  work: () => Promise<{ json: Record<string, unknown>; page: () => unknown }>,
) {
  c.header("cache-control", "no-store");
  c.header("content-security-policy", POLICY);
  let status: number;
  let detail: string;
  try {
    const { json, page } = await work();
    return wantsJson(c) ? c.json(json) : c.html(`<!doctype html>${await page()}`);
  } catch (error) {
    if (error instanceof AppError) status = STATUS[error.code];
    else if (error instanceof HTTPException && !error.res) status = error.status;
    else throw error;
    detail = error.message;
  }
  if (wantsJson(c)) return c.json({ detail }, status as 403);
  const page = LinkOutcome({
    title: TITLES[status] ?? "This link cannot be used",
    detail,
    alert: true,
  });
  return c.html(`<!doctype html>${await page}`, status as 403);
}

/** The answer a POST carries: a form (the page's buttons) or JSON (`{"choice", "note"}`). */
async function readAnswer(c: Context) {
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
function summaryOf(approval: Approval, events: Record<string, unknown>) {
  try {
    return approval.summary?.(events);
  } catch {
    return undefined;
  }
}

/** @throws a 410 (saying when) when the link was used; a concurrent use is caught by the delivery. */
async function checkUnused(backend: Backend, link: VerifiedLink) {
  const usedAt = await backend.deliveredAt(linkKeys(link.link_id).record);
  if (usedAt)
    throw new HTTPException(410, {
      message: `This link was already used, on ${usedAt.toUTCString()}: nothing more can be sent with it`,
    });
}

/** @throws a 403 when the link does not offer `choice` (a form altered, a guess). */
function checkOffered(link: VerifiedLink, choice: string) {
  if (!link.choices.includes(choice))
    throw new HTTPException(403, {
      message: `This link does not offer '${choice}' (it offers: ${link.choices.join(", ")}). Nothing was sent`,
    });
}

/**
 * Approval links: minted per workflow and topic (API key only), then opened and answered by a
 * person with nothing but the link. Opening shows the question (a scanner's GET sends nothing);
 * the first answer is delivered once (the link's ID keys its one delivery), every later use is a
 * 410. `auth` unset (no TOKEN_KEYS) turns them off. `publicUrl` starts the URLs minted links
 * get (PUBLIC_API_URL); unset, the request's own origin does.
 */
export function linkRoutes(backend: Backend, auth: LinkAuth | undefined, publicUrl?: string) {
  return new Hono()
    .post(
      "/workflows/:workflow_id/links",
      doc(
        "links",
        "Mint a signed, single-use, expiring approval link for one topic of a workflow",
        { 201: { description: "The link and what it offers", schema: S.mintedLink } },
        [404, 409, 413, 422, 503],
        {
          description: "The topic, and optionally the choices, recipient and lifetime",
          schema: linkRequestSchema,
        },
      ),
      limitBody(),
      validate("param", workflowParam),
      validate("json", linkRequestSchema),
      async (c) => {
        if (!auth) throw new NotFoundError(LINKS_OFF);
        const { workflow_id } = c.req.valid("param");
        const { ttl_seconds, ...request } = c.req.valid("json");
        const identity = await backend.identity(workflow_id);
        checkTopic(identity, request.topic);
        checkStillRunning(workflow_id, identity);
        const kind = kindOfWorkflow(identity.name);
        if (!kind)
          throw new NotFoundError("Only a workflow of a declared kind takes approval links");
        const link = await mintLink(auth.ring, linkGrant(kind, workflow_id, request), ttl_seconds);
        const base = publicUrl ?? new URL(c.req.url).origin;
        return c.json({ ...link, url: `${base}${link.path}` }, 201);
      },
    )
    .get(
      `${LINK_PATH_PREFIX}:token`,
      doc(
        "links",
        "An approval link's page (HTML; JSON with Accept: application/json): the question, the workflow's summary and the choices. No key: the link is the credential",
        { 200: { description: "What the link asks", schema: S.linkView } },
        [403, 404, 409, 410, 503],
      ),
      (c) =>
        answer(c, async () => {
          if (!auth) throw new NotFoundError(LINKS_OFF);
          const link = await openLink(auth, c.req.param("token"));
          await checkUnused(backend, link);
          const { approval, waiting } = await linkSubject(backend, link);
          const events = approval.summary ? await backend.allEvents(link.workflow_id) : {};
          const summary = summaryOf(approval, events);
          const choices = approval.choices.filter((choice) => link.choices.includes(choice.name));
          const expiresAt = new Date(link.expiresAt * 1000).toISOString();
          return {
            json: {
              workflow_id: link.workflow_id,
              topic: link.topic,
              question: approval.question,
              summary: summary ?? null,
              choices,
              recipient: link.recipient ?? null,
              expires_at: expiresAt,
              waiting,
            },
            page: () =>
              LinkForm({
                question: approval.question,
                summary,
                choices,
                recipient: link.recipient,
                expiresAt,
                waiting,
              }),
          };
        }),
    )
    .post(
      `${LINK_PATH_PREFIX}:token`,
      doc(
        "links",
        "Answer an approval link (a form from its page, or JSON): the message is delivered once; any later use is a 410",
        { 200: { description: "The answer was sent", schema: S.linkAnswered } },
        [403, 404, 409, 410, 413, 422, 503],
        { description: "The choice and an optional note", schema: answerSchema },
      ),
      limitBody(),
      (c) =>
        answer(c, async () => {
          if (!auth) throw new NotFoundError(LINKS_OFF);
          const link = await openLink(auth, c.req.param("token"));
          const { choice, note } = await readAnswer(c);
          checkOffered(link, choice);
          // Before the workflow's state: a used link says so whether its workflow has ended or not.
          await checkUnused(backend, link);
          const { approval } = await linkSubject(backend, link);
          const label = approval.choices.find((c) => c.name === choice)?.label ?? choice;
          const message = answerMessage(approval, {
            choice,
            recipient: link.recipient,
            note,
            link_id: link.link_id,
          });
          const target = { workflowId: link.workflow_id, topic: link.topic };
          await deliverMessage(backend, target, message, linkKeys(link.link_id));
          const detail = `Your answer, “${label}”, was sent to the workflow. This link is now used.`;
          return {
            json: {
              workflow_id: link.workflow_id,
              topic: link.topic,
              choice,
              message: "Answer sent to workflow",
            },
            page: () => LinkOutcome({ title: "Thank you", detail, alert: false }),
          };
        }),
    );
}
