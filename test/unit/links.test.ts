import {
  LINK_MAX_TTL_SECONDS,
  mintLink,
  mintToken,
  newTokenKey,
  parseKeyRing,
  TOKEN_LEEWAY_SECONDS,
  verifyLink,
  verifyToken,
} from "@wfc/tokens";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";

// The approval link's format, without I/O: what the API verifies on every open and answer.
const ring = parseKeyRing(newTokenKey("k1"));
const grant = { workflow_id: "ord-1", topic: "approval", choices: ["yes", "no"] } as const;
const tokenOf = (path: string) => path.slice("/links/".length);

describe("approval links", () => {
  it("verify to what they were minted with, each under an ID of its own", async () => {
    const a = await mintLink(ring, { ...grant, recipient: "ada@example.com" }, 60);
    const b = await mintLink(ring, grant, 60);
    expect(a.link_id).not.toBe(b.link_id);
    expect(a.link_id).toMatch(/^[\w-]{22}$/);
    const verified = await verifyLink(ring, tokenOf(a.path));
    expect(verified).toMatchObject({ ...grant, recipient: "ada@example.com", link_id: a.link_id });
    expect(verified.expiresAt - verified.issuedAt).toBe(60);
    expect(new Date(verified.expiresAt * 1000).toISOString()).toBe(a.expires_at);
  });

  it("expire after their lifetime and the leeway, saying when; are not valid before they are minted", async () => {
    const now = Date.now();
    const link = tokenOf((await mintLink(ring, grant, 60, now)).path);
    const past = now + (60 + TOKEN_LEEWAY_SECONDS + 1) * 1000;
    await expect(
      verifyLink(ring, link, now + (60 + TOKEN_LEEWAY_SECONDS - 1) * 1000),
    ).resolves.toBeTruthy();
    await expect(verifyLink(ring, link, past)).rejects.toMatchObject({
      message: "This link has expired",
      expiredAt: Math.floor(now / 1000) + 60,
    });
    const early = now - (TOKEN_LEEWAY_SECONDS + 5) * 1000;
    await expect(verifyLink(ring, link, early)).rejects.toThrow("This link is not valid yet");
  });

  it("are minted and accepted for at most a week, and offer at least one choice", async () => {
    await expect(mintLink(ring, grant, LINK_MAX_TTL_SECONDS + 1)).rejects.toThrow(RangeError);
    await expect(mintLink(ring, { ...grant, choices: [] }, 60)).rejects.toThrow(RangeError);
    const now = Math.floor(Date.now() / 1000);
    const tooLong = await new SignJWT({ tp: "approval", ch: ["yes"] })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setSubject("ord-1")
      .setJti("x")
      .setAudience("wfc-link")
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + LINK_MAX_TTL_SECONDS + 1)
      .sign(ring.keys[0]!.secret);
    await expect(verifyLink(ring, tooLong)).rejects.toThrow("This link's lifetime is too long");
  });

  it("and capability tokens never stand for each other, though one key signs both", async () => {
    const link = tokenOf((await mintLink(ring, grant, 60)).path);
    const scope = { workflow_id: "ord-1", events: "*", streams: "*", topics: "*" } as const;
    const token = (await mintToken(ring, scope, 60)).token;
    await expect(verifyLink(ring, token)).rejects.toThrow("This is not an approval link");
    await expect(verifyToken(ring, link)).rejects.toThrow(/aud/);
  });
});
