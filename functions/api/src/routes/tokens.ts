import { NotFoundError, workflowIdSchema } from "@wfc/core";
import { ANY, mintToken, TOKEN_MAX_TTL_SECONDS, type KeyRing } from "@wfc/tokens";
import { Hono } from "hono";
import { z } from "zod";
import { limitBody } from "../json-body.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import type { Revocations } from "../tokens/revocations.js";
import { TOKENS_OFF } from "../tokens/guard.js";
import { validate } from "../validation.js";
import { channelName, workflowParam } from "./params.js";

/** Most names one list of a scope holds; a longer scope is better written `"*"`. */
const MAX_NAMES = 100;
/** A token's lifetime when the request names none: 15 minutes. */
export const DEFAULT_TOKEN_TTL_SECONDS = 900;

const names = (what: "events" | "streams" | "topics", item: string) =>
  z
    .union([
      z.literal(ANY),
      z.array(channelName(item)).max(MAX_NAMES, `${what} must list at most ${MAX_NAMES} names`),
    ])
    .default([])
    .describe(`The ${what} the token reaches: a list of names, or "*" for all`);

const mintBody = z.object({
  workflow_id: workflowIdSchema,
  events: names("events", "event key"),
  streams: names("streams", "stream key"),
  topics: names("topics", "topic"),
  ttl_seconds: z
    .number({ error: "ttl_seconds must be a number of seconds" })
    .int("ttl_seconds must be a whole number of seconds")
    .min(1, "ttl_seconds must be at least 1")
    .max(TOKEN_MAX_TTL_SECONDS, `ttl_seconds must be at most ${TOKEN_MAX_TTL_SECONDS} (24 h)`)
    .default(DEFAULT_TOKEN_TTL_SECONDS),
});

/**
 * Capability tokens: minted for one workflow and scope (API key only: a token's request never
 * reaches these routes), and revoked per workflow. Minting reads nothing; `ring` unset (no
 * TOKEN_KEYS) turns minting off, as an unset secret turns off `/webhooks`.
 */
export function tokenRoutes(tokens: { ring: KeyRing; revocations: Revocations } | undefined) {
  return new Hono()
    .post(
      "/tokens",
      doc(
        "tokens",
        "Mint a capability token for one workflow's status, listed events, streams and topics",
        {
          201: {
            description: "The token, when it expires, and what it reaches",
            schema: S.mintedToken,
          },
        },
        [404, 413, 422],
        { description: "The workflow, the scope and the lifetime", schema: mintBody },
      ),
      limitBody(),
      validate("json", mintBody),
      async (c) => {
        if (!tokens) throw new NotFoundError(TOKENS_OFF);
        const { ttl_seconds, ...scope } = c.req.valid("json");
        return c.json(await mintToken(tokens.ring, scope, ttl_seconds), 201);
      },
    )
    .post(
      "/workflows/:workflow_id/tokens/revoke",
      doc(
        "tokens",
        "Revoke every token of a workflow issued until now (tokens minted afterwards work)",
        { 200: { description: "When the revocation took effect", schema: S.tokensRevoked } },
        [404, 422, 503],
      ),
      validate("param", workflowParam),
      async (c) => {
        if (!tokens) throw new NotFoundError(TOKENS_OFF);
        const { workflow_id } = c.req.valid("param");
        const at = await tokens.revocations.revoke(workflow_id);
        return c.json({ workflow_id, revoked_before: new Date(at).toISOString() });
      },
    );
}
