import {
  KeyRingError,
  mintToken,
  newTokenKey,
  parseKeyRing,
  TOKEN_MAX_TTL_SECONDS,
  verifyToken,
} from "@wfc/tokens";
import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { Revocations } from "../../functions/api/src/tokens/revocations.js";
import { VerifiedTokens } from "../../functions/api/src/tokens/verified-tokens.js";

const scope = { workflow_id: "ord-1", events: ["state"], streams: "*", topics: [] } as const;

describe("the key ring", () => {
  it("signs with its newest key and verifies with any, so a key rotates without downtime", async () => {
    const k1 = newTokenKey("k1");
    const k2 = newTokenKey("k2");
    const before = parseKeyRing(k1);
    const during = parseKeyRing(`${k1},${k2}`);
    const after = parseKeyRing(k2);
    const early = (await mintToken(before, scope, 60)).token;
    const late = (await mintToken(during, scope, 60)).token;
    expect(decodeProtectedHeader(late).kid).toBe("k2");
    expect((await verifyToken(during, early)).scope).toEqual(scope);
    expect((await verifyToken(after, late)).scope).toEqual(scope);
    await expect(verifyToken(after, early)).rejects.toThrow(/key id/);
  });

  it.each([
    ["", /no key/],
    ["k1", /kid:secret/],
    ["k 1:abc", /kid:secret/],
    ["k1:short", /32\+ random bytes/],
    [`k1:${"A".repeat(43)}`, /32\+ random bytes/],
    ["k1:not+base64url/", /base64url/],
  ])("refuses %j without repeating a secret", (text, message) => {
    expect(() => parseKeyRing(text)).toThrow(KeyRingError);
    expect(() => parseKeyRing(text)).toThrow(message);
    try {
      parseKeyRing(text);
    } catch (error) {
      const secret = text.split(":")[1];
      if (secret) expect((error as Error).message).not.toContain(secret);
    }
  });

  it("refuses two keys under one kid", () => {
    expect(() => parseKeyRing(`${newTokenKey("a")},${newTokenKey("a")}`)).toThrow(/share a kid/);
  });

  it("mints no token longer-lived than the maximum", async () => {
    const ring = parseKeyRing(newTokenKey("k"));
    await expect(mintToken(ring, scope, TOKEN_MAX_TTL_SECONDS + 1)).rejects.toThrow(RangeError);
    await expect(mintToken(ring, scope, 0)).rejects.toThrow(RangeError);
  });
});

describe("revocations", () => {
  const store = () => {
    let revokedBefore: number | undefined;
    let reads = 0;
    return {
      read: async () => (reads++, revokedBefore),
      revoke: async () => (revokedBefore = 10_500),
      get reads() {
        return reads;
      },
    };
  };

  it("refuses tokens issued up to the revocation's second, accepts those after", async () => {
    const revocations = new Revocations(store());
    await revocations.revoke("w");
    expect(await revocations.isRevoked("w", 9)).toBe(true);
    expect(await revocations.isRevoked("w", 10)).toBe(true);
    expect(await revocations.isRevoked("w", 11)).toBe(false);
  });

  it("reads a workflow's revocation at most once per cache period; the revoking process knows at once", async () => {
    let clock = 0;
    const shared = store();
    const reader = new Revocations(shared, 5_000, () => clock);
    const revoker = new Revocations(shared, 5_000, () => clock);
    expect(await reader.isRevoked("w", 9)).toBe(false);
    expect(await reader.isRevoked("w", 9)).toBe(false);
    expect(shared.reads).toBe(1);
    await revoker.revoke("w");
    expect(await revoker.isRevoked("w", 9)).toBe(true);
    // Another process trusts what it read until its cache period is over, then sees it.
    expect(await reader.isRevoked("w", 9)).toBe(false);
    clock = 5_001;
    expect(await reader.isRevoked("w", 9)).toBe(true);
    expect(shared.reads).toBe(2);
  });
});

describe("the tokens a process has verified", () => {
  const ring = parseKeyRing(newTokenKey("k"));
  const start = Date.now();

  it("are not verified again until they expire, and refused from then on, as jose refuses them", async () => {
    let now = start;
    const verified = new VerifiedTokens(ring, 10, () => now);
    const { token } = await mintToken(ring, scope, 60, start);
    const first = await verified.verify(token);
    expect(await verified.verify(token)).toBe(first);
    // Within the leeway after expiry: still accepted; past it: refused, as a fresh check says.
    now = start + (60 + 29) * 1000;
    expect(await verified.verify(token)).toBe(first);
    now = start + (60 + 31) * 1000;
    await expect(verified.verify(token)).rejects.toThrow("Token expired");
    await expect(verifyToken(ring, token, now)).rejects.toThrow("Token expired");
  });

  it("keep no token that did not verify, and at most their bound", async () => {
    const verified = new VerifiedTokens(ring, 2);
    const { token } = await mintToken(ring, scope, 60);
    const tampered = `${token.slice(0, -2)}AA`;
    await expect(verified.verify(tampered)).rejects.toThrow(/signature/);
    await expect(verified.verify(tampered)).rejects.toThrow(/signature/);
    const tokens = await Promise.all(
      ["a", "b", "c"].map((id) => mintToken(ring, { ...scope, workflow_id: id }, 60)),
    );
    for (const { token: t } of tokens) await verified.verify(t);
    expect((verified as unknown as { verified: Map<string, unknown> }).verified.size).toBe(2);
  });
});
