import { refreshAt, REFRESH_MARGIN_MS, tokenExpiry, tokenSource } from "@wfc/browser";
import { describe, expect, it } from "vitest";

/** An unsigned JWT with `claims` as payload: the client reads `exp` without verifying. */
const jwt = (claims: Record<string, unknown>) =>
  ["{}", JSON.stringify(claims)].map((part) => Buffer.from(part).toString("base64url")).join(".") +
  ".signature";

describe("the browser client's token", () => {
  it("reads a JWT's exp from its base64url payload, and none from an API key", () => {
    // "~~~" encodes to base64url's "-" and "_" characters: read as such, not as base64's.
    expect(tokenExpiry(jwt({ exp: 1_900_000_000, sub: "~~~??>" }))).toBe(1_900_000_000);
    expect(tokenExpiry("an-api-key")).toBeUndefined();
    expect(tokenExpiry("a.%%%.b")).toBeUndefined();
    expect(refreshAt("an-api-key")).toBe(Number.POSITIVE_INFINITY);
  });

  it("asks getToken again shortly before the token expires, not before", async () => {
    let now = 1_000_000_000_000;
    const exp = now / 1000 + 60;
    let calls = 0;
    const source = tokenSource(
      {
        getToken: async () => {
          calls += 1;
          return jwt({ exp: exp + (calls - 1) * 60, n: calls });
        },
      },
      () => now,
    );
    const first = await source.get();
    expect(calls).toBe(1);
    now = exp * 1000 - REFRESH_MARGIN_MS - 1;
    expect(await source.get()).toBe(first);
    expect(calls).toBe(1);
    now = exp * 1000 - REFRESH_MARGIN_MS;
    const second = await source.get();
    expect(calls).toBe(2);
    expect(second).not.toBe(first);
    expect(tokenExpiry(second!)).toBe(exp + 60);
  });

  it("makes one getToken call for requests waiting together, and a new one after invalidate", async () => {
    let calls = 0;
    const source = tokenSource({ getToken: async () => `token-${++calls}` });
    expect(await Promise.all([source.get(), source.get(), source.get()])).toEqual([
      "token-1",
      "token-1",
      "token-1",
    ]);
    source.invalidate();
    expect(await source.get()).toBe("token-2");
    expect(tokenSource({ token: "fixed" }).renewable).toBe(false);
    expect(await tokenSource({ token: "fixed" }).get()).toBe("fixed");
  });
});
