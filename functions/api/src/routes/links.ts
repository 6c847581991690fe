import {
  answerMessage,
  kindOfWorkflow,
  linkGrant,
  linkRequestSchema,
  NotFoundError,
} from "@wfc/core";
import { LINK_PATH_PREFIX, mintLink } from "@wfc/tokens";
import { Hono } from "hono";
import type { Backend } from "../backend.js";
import { checkStillRunning, checkTopic } from "../channels.js";
import { deliverMessage } from "../delivery.js";
import { limitBody } from "../json-body.js";
import { answerSchema, checkOffered, checkUnused, readAnswer, summaryOf } from "../links/checks.js";
import { LinkForm, LinkOutcome } from "../links/page.js";
import { answer } from "../links/respond.js";
import { linkSubject, openLink, type LinkAuth } from "../links/resolve.js";
import { linkKeys } from "../message-keys.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import { validate } from "../validation.js";
import { workflowParam } from "./params.js";

/** What a link route is told by an API without signing keys. */
export const LINKS_OFF = "Approval links are not enabled on this API (TOKEN_KEYS)";

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
