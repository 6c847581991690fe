/**
 * The signing keys of capability tokens: HS256 secrets, each under a key id (`kid`). Written as
 * `kid:secret,kid:secret` (the secret base64url, 32+ random bytes), oldest first: tokens are
 * signed with the last (the newest), and verified with whichever key their `kid` names, so a key
 * is rotated by adding a new one, deploying, waiting out the longest lifetime, then removing the
 * old one.
 */

/** Fewest bytes a signing secret decodes to: HS256's own output size (RFC 7518, 3.2). */
export const TOKEN_KEY_MIN_BYTES = 32;
const KID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

export interface TokenKey {
  kid: string;
  secret: Uint8Array;
}

/** The keys in the order written; the last signs. */
export interface KeyRing {
  keys: readonly TokenKey[];
}

/** A key ring that cannot be used; its message never holds a secret. */
export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyRingError";
  }
}

/**
 * Parses `kid:secret,kid:secret` (blanks ignored).
 * @throws KeyRingError naming the first bad entry by position and kid, never its secret.
 */
export function parseKeyRing(text: string): KeyRing {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new KeyRingError("has no key (expected kid:secret,...)");
  const keys = entries.map((entry, index): TokenKey => {
    const at = `key ${index + 1}`;
    const colon = entry.indexOf(":");
    const kid = colon < 0 ? "" : entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KID.test(kid))
      throw new KeyRingError(`${at}: expected kid:secret, kid of A-Z a-z 0-9 _ -`);
    if (!BASE64URL.test(encoded))
      throw new KeyRingError(`${at} (${kid}): the secret must be base64url`);
    const secret = new Uint8Array(Buffer.from(encoded, "base64url"));
    if (secret.length < TOKEN_KEY_MIN_BYTES || secret.every((byte) => byte === secret[0]))
      throw new KeyRingError(
        `${at} (${kid}): the secret must be ${TOKEN_KEY_MIN_BYTES}+ random bytes, such as: openssl rand 32 | basenc --base64url`,
      );
    return { kid, secret };
  });
  const kids = new Set(keys.map((key) => key.kid));
  if (kids.size !== keys.length) throw new KeyRingError("two keys share a kid");
  return { keys };
}

/** A new key in the ring's format, for a development stack or a rotation. */
export function newTokenKey(kid: string): string {
  const secret = crypto.getRandomValues(new Uint8Array(TOKEN_KEY_MIN_BYTES));
  return `${kid}:${Buffer.from(secret).toString("base64url")}`;
}
