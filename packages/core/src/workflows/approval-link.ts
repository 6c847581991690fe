import { DBOS } from "@dbos-inc/dbos-sdk";
import { mintLink, type KeyRing, type MintedLink } from "@wfc/tokens";
import { linkGrant, linkRequestSchema } from "../approvals.js";
import type { AnyKind } from "../kind.js";

/** What the worker signs links with, and where the API that answers them is. */
export interface LinkSigning {
  /** TOKEN_KEYS, the API's: unset, a workflow's approval links are refused. */
  ring?: KeyRing;
  /** PUBLIC_API_URL, without a trailing slash: unset, a link has only its path. */
  publicApiUrl?: string;
}

/** Options of a link minted inside a workflow, as `POST /workflows/{id}/links` takes them. */
export interface ApprovalLinkOptions {
  /** The choices the link offers (default: every choice of the topic's approval). */
  choices?: string[];
  /** Who the link is for: shown on its page and passed to the message. */
  recipient?: string;
  /** Lifetime in seconds (default a day, at most 7 days). */
  ttlSeconds?: number;
}

/** A link minted inside a workflow: `url` when the worker knows the API's public URL. */
export interface ApprovalLink extends MintedLink {
  url?: string;
}

/**
 * Mints an approval link for the running workflow, as `POST /workflows/{id}/links` does, in a
 * checkpointed step: a recovered workflow gets the same link back, never a second one that would
 * let a decision be made twice.
 */
export function approvalLinkStep(kind: AnyKind, signing: LinkSigning) {
  return (topic: string, options: ApprovalLinkOptions = {}): Promise<ApprovalLink> =>
    DBOS.runStep(
      async () => {
        if (!signing.ring)
          throw new Error(
            "Approval links need TOKEN_KEYS on the worker (the same value as the API's)",
          );
        const request = linkRequestSchema.parse({
          topic,
          choices: options.choices,
          recipient: options.recipient,
          ttl_seconds: options.ttlSeconds,
        });
        const { ttl_seconds, ...grant } = request;
        const link = await mintLink(
          signing.ring,
          linkGrant(kind, DBOS.workflowID!, grant),
          ttl_seconds,
        );
        return signing.publicApiUrl
          ? { ...link, url: `${signing.publicApiUrl}${link.path}` }
          : link;
      },
      { name: "wfc_approval_link" },
    );
}
