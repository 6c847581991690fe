import { jwtVerify, SignJWT, type JWTHeaderParameters, type JWTPayload } from "jose";
import type { KeyRing, TokenKey } from "./key-ring.js";

/** The only algorithm: HMAC with SHA-256, whose key the API and the minting servers share. */
export const TOKEN_ALGORITHM = "HS256";
/** How far the verifier's clock may be from the minter's (expiry and not-before), in seconds. */
export const TOKEN_LEEWAY_SECONDS = 30;

/**
 * Each key as a WebCrypto HMAC key, imported once: given the raw bytes, jose imports them again on
 * every sign and verify, an asynchronous call that costs a request a trip through the thread
 * pool (about 0.1 ms on a small machine).
 */
const imported = new WeakMap<
  TokenKey,
  Promise<Awaited<ReturnType<typeof crypto.subtle.importKey>>>
>();
function cryptoKey(key: TokenKey): Promise<Awaited<ReturnType<typeof crypto.subtle.importKey>>> {
  let promise = imported.get(key);
  if (!promise) {
    const algorithm = { name: "HMAC", hash: "SHA-256" };
    promise = crypto.subtle.importKey("raw", key.secret, algorithm, false, ["sign", "verify"]);
    imported.set(key, promise);
  }
  return promise;
}

/**
 * Verifies a JWT signed by this package, tokens and links alike: HS256 only, with the ring's key
 * its `kid` names (`unknownKey` otherwise), for `audience`, within the leeway, with `claims`.
 * @returns its payload; jose's errors as they are, for the caller to word.
 */
export async function verifySigned<Claims>(
  ring: KeyRing,
  token: string,
  {
    audience,
    claims,
    now,
    unknownKey,
  }: {
    audience: string;
    claims: string[];
    now: number;
    unknownKey: () => Error;
  },
) {
  const keyFor = (header: JWTHeaderParameters) => {
    const key = ring.keys.find((k) => k.kid === header.kid);
    if (!key) throw unknownKey();
    return cryptoKey(key);
  };
  const { payload } = await jwtVerify<Partial<Claims>>(token, keyFor, {
    algorithms: [TOKEN_ALGORITHM],
    audience,
    clockTolerance: TOKEN_LEEWAY_SECONDS,
    currentDate: new Date(now),
    requiredClaims: claims,
  });
  return payload;
}

/**
 * Signs `claims` for `subject` and `audience` with the ring's newest key, valid `ttlSeconds`
 * from `now` (ms), after checking the lifetime is 1..`maxTtlSeconds` whole seconds.
 * @returns the JWT and its expiry (seconds since the epoch).
 * @throws RangeError for another lifetime.
 */
export async function signWithNewest(
  ring: KeyRing,
  claims: JWTPayload,
  {
    subject,
    audience,
    ttlSeconds,
    maxTtlSeconds,
    now,
  }: {
    subject: string;
    audience: string;
    ttlSeconds: number;
    maxTtlSeconds: number;
    now: number;
  },
) {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxTtlSeconds)
    throw new RangeError(`ttlSeconds must be a whole number from 1 to ${maxTtlSeconds}`);
  const key = ring.keys.at(-1)!;
  const issuedAt = Math.floor(now / 1000);
  const expiresAt = issuedAt + ttlSeconds;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: "JWT", kid: key.kid })
    .setSubject(subject)
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(await cryptoKey(key));
  return { token, expiresAt };
}
