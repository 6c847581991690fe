import { errors, type JWTPayload } from "jose";
import type { KeyRing } from "./key-ring.js";
import { ANY, type Names, type TokenScope } from "./scope.js";
import { signWithNewest, TOKEN_ALGORITHM, verifySigned } from "./signed.js";

export { TOKEN_ALGORITHM, TOKEN_LEEWAY_SECONDS } from "./signed.js";

/** Longest lifetime a token may be minted with: a day. */
export const TOKEN_MAX_TTL_SECONDS = 24 * 60 * 60;
/** Longest token accepted; a real one is well under 1 KB even with long scopes. */
export const TOKEN_MAX_LENGTH = 8 * 1024;
/** The audience every token names: tokens of other systems sharing a key are not ours. */
export const TOKEN_AUDIENCE = "wfc";

/** A minted token and what it reaches. */
export interface MintedToken {
  token: string;
  /** ISO 8601, whole seconds. */
  expires_at: string;
  scope: TokenScope;
}

/** A verified token's claims. */
export interface VerifiedToken {
  scope: TokenScope;
  /** Seconds since the epoch, as minted (revocation compares it). */
  issuedAt: number;
  expiresAt: number;
}

/** Why a token was refused (answered 401); the message never holds the token. */
export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenError";
  }
}

/** The claims under which the scope travels: short, as every request carries them. */
interface ScopeClaims {
  sub: string;
  ev: Names;
  st: Names;
  tp: Names;
}

/**
 * Mints a token for `scope`, valid for `ttlSeconds` from `now` (ms since the epoch), signed with
 * the ring's newest key. What `POST /tokens` does, for a server that holds the ring itself.
 * @throws RangeError when the lifetime is not 1..TOKEN_MAX_TTL_SECONDS whole seconds.
 */
export async function mintToken(
  ring: KeyRing,
  scope: TokenScope,
  ttlSeconds: number,
  now = Date.now(),
): Promise<MintedToken> {
  const claims: Omit<ScopeClaims, "sub"> = {
    ev: scope.events,
    st: scope.streams,
    tp: scope.topics,
  };
  const { token, expiresAt } = await signWithNewest(ring, claims, {
    subject: scope.workflow_id,
    audience: TOKEN_AUDIENCE,
    ttlSeconds,
    maxTtlSeconds: TOKEN_MAX_TTL_SECONDS,
    now,
  });
  return { token, expires_at: new Date(expiresAt * 1000).toISOString(), scope };
}

const isNames = (value: unknown): value is Names =>
  value === ANY ||
  (Array.isArray(value) && value.every((name) => typeof name === "string" && name.length > 0));

/** A jose error as the client is told it, without the token or the key. */
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "Token expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") return `Token claim '${error.claim}' is missing`;
    return error.claim === "nbf"
      ? "Token not yet valid"
      : `Token claim '${error.claim}' is invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return `Token algorithm not accepted (only ${TOKEN_ALGORITHM})`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "Token signature is invalid";
  if (error instanceof TokenError) return error.message;
  return "Token is malformed";
}

/**
 * Verifies a token against the ring, with no I/O: signature (HS256 only, the key its `kid`
 * names), audience, expiry and not-before within `TOKEN_LEEWAY_SECONDS`, a lifetime no longer
 * than `TOKEN_MAX_TTL_SECONDS`, and the scope's shape. Revocation is the caller's (`issuedAt`).
 * @throws TokenError saying why, never repeating the token.
 */
export async function verifyToken(
  ring: KeyRing,
  token: string,
  now = Date.now(),
): Promise<VerifiedToken> {
  if (token.length > TOKEN_MAX_LENGTH)
    throw new TokenError(`Token is longer than ${TOKEN_MAX_LENGTH} characters`);
  try {
    const payload = await verifySigned<ScopeClaims>(ring, token, {
      audience: TOKEN_AUDIENCE,
      claims: ["sub", "iat", "nbf", "exp"],
      now,
      unknownKey: () => new TokenError("Token key id (kid) is unknown"),
    });
    return { scope: scopeOf(payload), issuedAt: payload.iat!, expiresAt: payload.exp! };
  } catch (error) {
    throw new TokenError(reason(error));
  }
}

/** The scope a verified payload states. @throws TokenError when it states none, or too long a life. */
function scopeOf(payload: JWTPayload & Partial<ScopeClaims>): TokenScope {
  const { sub, ev, st, tp, iat, exp } = payload;
  if (exp! - iat! > TOKEN_MAX_TTL_SECONDS) throw new TokenError("Token lifetime is too long");
  if (!sub || !isNames(ev) || !isNames(st) || !isNames(tp))
    throw new TokenError("Token scope is malformed");
  return { workflow_id: sub, events: ev, streams: st, topics: tp };
}
