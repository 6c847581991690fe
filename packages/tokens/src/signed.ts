import { jwtVerify, type JWTHeaderParameters } from "jose";
import type { KeyRing } from "./key-ring.js";

/** The only algorithm: HMAC with SHA-256, whose key the API and the minting servers share. */
export const TOKEN_ALGORITHM = "HS256";
/** How far the verifier's clock may be from the minter's (expiry and not-before), in seconds. */
export const TOKEN_LEEWAY_SECONDS = 30;

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
    return key.secret;
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
