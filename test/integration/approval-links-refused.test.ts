import { mintLink, newTokenKey, parseKeyRing } from "@wfc/tokens";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  authorized,
  form,
  id,
  json,
  linkFor,
  logged,
  mint,
  received,
  request,
  ring,
  useLinksStack,
  waitingReview,
} from "../support/approval-links.js";

// Approval links that deliver nothing: altered, forged, expired, minted wrong, posted from
// another site. After each refusal the review still waits and has received nothing, and no link
// is in a log line.

useLinksStack();

describe("links that deliver nothing", () => {
  let wf: string;
  let path: string;
  beforeAll(async () => {
    wf = await waitingReview("refused");
    path = await linkFor(wf, { topic: "review", choices: ["approve"] });
  });

  /** After each refusal the review still waits and has received nothing. */
  async function nothingDelivered() {
    expect(await received(wf)).toEqual([]);
    const summary = await (await request(`/workflows/${wf}`, { headers: authorized })).json();
    expect(summary).toMatchObject({ status: "PENDING", waiting_for: { topic: "review" } });
  }

  it("refuses a choice the link does not offer (a form altered), or no choice at all", async () => {
    for (const choice of ["request_changes", "reject", "APPROVE"]) {
      const refused = await request(path, { method: "POST", ...form({ choice }, json) });
      expect(refused.status).toBe(403);
      expect((await refused.json()).detail).toBe(
        `This link does not offer '${choice}' (it offers: approve). Nothing was sent`,
      );
    }
    const page = await request(path, { method: "POST", ...form({ choice: "request_changes" }) });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("This link cannot do that");
    const none = await request(path, { method: "POST", ...form({ note: "hi" }, json) });
    expect(none.status).toBe(422);
    expect((await none.json()).detail).toMatch(/choice is required/);
    const long = await request(path, {
      method: "POST",
      ...form({ choice: "approve", note: "x".repeat(2001) }, json),
    });
    expect(long.status).toBe(422);
    await nothingDelivered();
  });

  it("refuses a link altered, cut short, re-signed, of another algorithm or audience", async () => {
    const token = path.slice("/links/".length);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const otherRing = parseKeyRing(newTokenKey("k1"));
    const capability = await (
      await request("/tokens", {
        method: "POST",
        headers: { ...authorized, "content-type": "application/json" },
        body: JSON.stringify({ workflow_id: wf, topics: ["review"] }),
      })
    ).json();
    const forged = {
      // The choice widened in the payload, the signature kept.
      altered: `${header}.${encode({ ...claims, ch: ["approve", "request_changes"] })}.${signature}`,
      truncated: token.slice(0, -5),
      "cut at a dot": `${header}.${payload}`,
      "alg none": `${encode({ alg: "none", typ: "JWT", kid: "k1" })}.${payload}.`,
      "another key under the same kid": (
        await mintLink(otherRing, { workflow_id: wf, topic: "review", choices: ["approve"] }, 60)
      ).path.slice("/links/".length),
      "HS512 with the right key": await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS512", kid: "k1" })
        .sign(ring.keys[0]!.secret),
      "a capability token": capability.token,
      garbage: "not-a-link",
      oversized: `${header}.${"A".repeat(9000)}.${signature}`,
    };
    for (const [what, bad] of Object.entries(forged)) {
      for (const method of ["GET", "POST"]) {
        const refused = await request(`/links/${bad}`, {
          method,
          ...(method === "POST" ? form({ choice: "approve" }, json) : { headers: json }),
        });
        expect(refused.status, `${what} (${method})`).toBe(403);
        const { detail } = await refused.json();
        expect(detail, what).toMatch(/link|Nothing was sent/);
        expect(detail, what).not.toContain(bad.slice(0, 20));
      }
    }
    // And a link is no capability token: as a Bearer credential it reaches nothing.
    const asToken = await request(`/workflows/${wf}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asToken.status).toBe(401);
    await nothingDelivered();
  });

  it("answers an expired link 410 with when it expired, and a withdrawn one 410", async () => {
    const grant = { workflow_id: wf, topic: "review", choices: ["approve"] };
    // Minted an hour ago for ten minutes: past its expiry and the 30 s leeway.
    const old = await mintLink(ring, grant, 600, Date.now() - 3_600_000);
    const expired = await request(old.path, {
      method: "POST",
      ...form({ choice: "approve" }, json),
    });
    expect(expired.status).toBe(410);
    expect((await expired.json()).detail).toBe(
      `This link expired on ${new Date(old.expires_at).toUTCString()}: ask for a new one`,
    );
    const page = await request(old.path);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("This link can no longer be used");
    await nothingDelivered();
  });

  it("mints nothing for a topic without an approval, a choice not declared, or too long a life", async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ topic: "notification" }, 409, /receives no messages on topic 'notification'/],
      [{ topic: "review", choices: ["maybe"] }, 422, /'maybe' are not choices/],
      [{ topic: "review", ttl_seconds: 7 * 86400 + 1 }, 422, /at most 604800/],
      [{ topic: "review", recipient: "x".repeat(201) }, 422, /at most 200/],
      [{ topic: "review", recipient: "a\u0000b" }, 422, /control characters/],
      [{}, 422, /topic/],
    ];
    for (const [body, status, detail] of cases) {
      const minted = await mint(wf, body);
      expect(minted.status, JSON.stringify(body)).toBe(status);
      expect(minted.body.detail).toMatch(detail);
    }
    expect((await mint(id("missing"))).status).toBe(404);
    // Only the API key mints: not a capability token, not nobody.
    const anonymous = await request(`/workflows/${wf}/links`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "review" }),
    });
    expect(anonymous.status).toBe(401);
    await nothingDelivered();
  });

  it("keeps every link out of the logs", async () => {
    const lines = logged.join("\n");
    expect(lines).toContain('"path":"/links/[redacted]"');
    expect(lines).not.toContain(path.slice("/links/".length));
  });

  it("refuses a form posted to the link from another site", async () => {
    const refused = await request(path, {
      method: "POST",
      ...form(
        { choice: "approve" },
        { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      ),
    });
    expect(refused.status).toBe(403);
    await nothingDelivered();
  });
});
