import { errors } from "jose";
import type { KeyRing } from "./key-ring.js";
import { signWithNewest, TOKEN_ALGORITHM, verifySigned } from "./signed.js";
import { TOKEN_MAX_LENGTH } from "./tokens.js";

/**
 * Approval links: a signed, expiring URL through which a person answers one workflow on one
 * topic with one of the choices its kind declares, once. The link is a JWT signed with the
 * capability tokens' key ring under an audience of its own, so a link is never accepted as a
 * capability token nor a token as a link. Single use is the API's (one delivery per link ID).
 */

/** Where a link's page is served: the path is this prefix and the link's token. */
export const LINK_PATH_PREFIX = "/links/";
/** The audience of every link: tokens (audience `wfc`) and links never stand for each other. */
export const LINK_AUDIENCE = "wfc-link";
/** Longest lifetime a link may be minted with: a week, as a decision may wait over a weekend. */
export const LINK_MAX_TTL_SECONDS = 7 * 24 * 60 * 60;
/** A link's lifetime when none is asked for: a day. */
export const LINK_DEFAULT_TTL_SECONDS = 24 * 60 * 60;

/** What a link lets its holder do, as minted. */
export interface LinkGrant {
  workflow_id: string;
  topic: string;
  /** The choices the page offers, by name: all the kind declares, or fewer. */
  choices: readonly string[];
  /** Who the link is for, shown on the page and passed to the message (an email, a name). */
  recipient?: string;
}

/** A minted link. */
export interface MintedLink extends LinkGrant {
  /** Names the link's one delivery: a second use finds it taken. */
  link_id: string;
  /** The link's path on the API (`/links/<token>`), to join with the API's public URL. */
  path: string;
  /** ISO 8601, whole seconds. */
  expires_at: string;
}

/** A verified link's claims. */
export interface VerifiedLink extends LinkGrant {
  link_id: string;
  issuedAt: number;
  expiresAt: number;
}

/** Why a link was refused; `expiredAt` (epoch seconds) when its only fault is its age. */
export class LinkError extends Error {
  constructor(
    message: string,
    readonly expiredAt?: number,
  ) {
    super(message);
    this.name = "LinkError";
  }
}

interface LinkClaims {
  sub: string;
  jti: string;
  tp: string;
  ch: string[];
  rcp?: string;
}

/** The path of a link whose token is `token`. */
export const linkPath = (token: string) => `${LINK_PATH_PREFIX}${token}`;

/**
 * Mints a link for `grant`, valid `ttlSeconds` from `now` (ms), signed with the ring's newest key.
 * @throws RangeError when the lifetime is not 1..LINK_MAX_TTL_SECONDS whole seconds, or the grant
 *   offers no choice.
 */
export async function mintLink(
  ring: KeyRing,
  grant: LinkGrant,
  ttlSeconds: number,
  now = Date.now(),
): Promise<MintedLink> {
  if (grant.choices.length === 0) throw new RangeError("a link must offer at least one choice");
  // 128 random bits: the delivery key a second use of this link finds taken.
  const linkId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
  const claims: Omit<LinkClaims, "sub"> = {
    jti: linkId,
    tp: grant.topic,
    ch: [...grant.choices],
    ...(grant.recipient !== undefined && { rcp: grant.recipient }),
  };
  const { token, expiresAt } = await signWithNewest(ring, claims, {
    subject: grant.workflow_id,
    audience: LINK_AUDIENCE,
    ttlSeconds,
    maxTtlSeconds: LINK_MAX_TTL_SECONDS,
    now,
  });
  return {
    ...grant,
    choices: [...grant.choices],
    link_id: linkId,
    path: linkPath(token),
    expires_at: new Date(expiresAt * 1000).toISOString(),
  };
}

/**
 * Verifies a link's token against the ring, with no I/O: HS256 with the key its `kid` names,
 * the link audience, not-before and expiry within `TOKEN_LEEWAY_SECONDS`, a lifetime no longer
 * than `LINK_MAX_TTL_SECONDS`, and the grant's shape.
 * @throws LinkError saying why (with `expiredAt` for an expired one), never repeating the token.
 */
export async function verifyLink(
  ring: KeyRing,
  token: string,
  now = Date.now(),
): Promise<VerifiedLink> {
  if (token.length > TOKEN_MAX_LENGTH) throw new LinkError("This link is too long to be ours");
  try {
    const payload = await verifySigned<LinkClaims>(ring, token, {
      audience: LINK_AUDIENCE,
      claims: ["sub", "jti", "iat", "nbf", "exp"],
      now,
      unknownKey: () => new LinkError("This link was signed with a key this API does not hold"),
    });
    const { sub, jti, tp, ch, rcp, iat, exp } = payload;
    if (exp! - iat! > LINK_MAX_TTL_SECONDS) throw new LinkError("This link's lifetime is too long");
    const texts = (value: unknown): value is string[] =>
      Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string");
    if (
      !sub ||
      !jti ||
      typeof tp !== "string" ||
      !texts(ch) ||
      !(rcp === undefined || typeof rcp === "string")
    )
      throw new LinkError("This link's contents are malformed");
    return {
      workflow_id: sub,
      topic: tp,
      choices: ch,
      ...(rcp !== undefined && { recipient: rcp }),
      link_id: jti,
      issuedAt: iat!,
      expiresAt: exp!,
    };
  } catch (error) {
    throw linkError(error);
  }
}

/** A jose error as the link's holder is told it, without the token or the key. */
function linkError(error: unknown): LinkError {
  if (error instanceof LinkError) return error;
  if (error instanceof errors.JWTExpired && error.payload.aud === LINK_AUDIENCE)
    return new LinkError("This link has expired", error.payload.exp);
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === "nbf")
    return new LinkError("This link is not valid yet");
  // Signed by our key, but for another audience (a capability token): said before any claim it lacks.
  if (error instanceof errors.JWTClaimValidationFailed && error.payload.aud !== LINK_AUDIENCE)
    return new LinkError("This is not an approval link");
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new LinkError(`This link's algorithm is not accepted (only ${TOKEN_ALGORITHM})`);
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new LinkError("This link's signature does not match: it was altered or cut short");
  return new LinkError("This link is malformed: it may have been cut short when copied");
}
