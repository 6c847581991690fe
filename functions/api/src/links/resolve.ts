import {
  approvalFor,
  ConflictError,
  GoneError,
  isFinalStatus,
  kindOfWorkflow,
  type Approval,
} from "@wfc/core";
import { LinkError, verifyLink, type KeyRing, type VerifiedLink } from "@wfc/tokens";
import { HTTPException } from "hono/http-exception";
import type { Backend } from "../backend.js";
import type { Revocations } from "../tokens/revocations.js";

/** What the link routes need: the ring that signs links, and the workflows' revocations. */
export interface LinkAuth {
  ring: KeyRing;
  revocations: Revocations;
}

const when = (epochSeconds: number) => new Date(epochSeconds * 1000).toUTCString();

/**
 * The link `token` stands for, if it still may be used: it verifies (403 when it does not: altered,
 * cut short, another key or algorithm, not a link), has not expired (410) and its workflow's
 * tokens and links were not revoked since it was minted (410).
 */
export async function openLink(auth: LinkAuth, token: string): Promise<VerifiedLink> {
  let link: VerifiedLink;
  try {
    link = await verifyLink(auth.ring, token);
  } catch (error) {
    if (!(error instanceof LinkError)) throw error;
    if (error.expiredAt !== undefined)
      throw new GoneError(`This link expired on ${when(error.expiredAt)}: ask for a new one`);
    throw new HTTPException(403, { message: `${error.message}. Nothing was sent` });
  }
  if (await auth.revocations.isRevoked(link.workflow_id, link.issuedAt))
    throw new GoneError("This link was withdrawn (its workflow's links were revoked)");
  return link;
}

/** The link's workflow as its page needs it: the approval it answers, and whether it waits. */
export interface LinkSubject {
  approval: Approval;
  /** The workflow waits on the link's topic now. */
  waiting: boolean;
}

/**
 * The approval the link's workflow's kind declares on its topic, while the workflow can still
 * receive an answer.
 * @throws NotFoundError when the workflow does not exist; ConflictError when it has finished or
 *   is cancelled, or its kind takes no approval on the topic (any more).
 */
export async function linkSubject(backend: Backend, link: VerifiedLink): Promise<LinkSubject> {
  const workflow = await backend.workflows.get(link.workflow_id);
  if (workflow.status === "CANCELLED")
    throw new ConflictError(
      "This workflow was cancelled: there is nothing to decide. Nothing was sent",
    );
  if (isFinalStatus(workflow.status))
    throw new ConflictError(
      `This workflow has finished (${workflow.status}): there is nothing to decide any more. Nothing was sent`,
    );
  const kind = kindOfWorkflow(workflow.name);
  if (!kind) throw new ConflictError("This workflow takes no answers by link. Nothing was sent");
  return {
    approval: approvalFor(kind, link.topic),
    waiting: workflow.waiting_for?.topic === link.topic,
  };
}
