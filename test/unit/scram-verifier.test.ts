import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { scramSha256Verifier } from "../../functions/worker/src/scram-verifier.js";

describe("scramSha256Verifier", () => {
  it("stores keys a client with the password derives, and never the password", () => {
    const password = "correct horse battery staple";
    const verifier = scramSha256Verifier(password);
    const match = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(verifier);
    expect(match).not.toBeNull();
    const [, salt, storedKey, serverKey] = match!;
    // What the client side computes during SCRAM authentication (RFC 5802).
    const salted = pbkdf2Sync(password, Buffer.from(salt!, "base64"), 4096, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    expect(createHash("sha256").update(clientKey).digest("base64")).toBe(storedKey);
    expect(createHmac("sha256", salted).update("Server Key").digest("base64")).toBe(serverKey);
    expect(verifier).not.toContain(password);
  });

  it("salts each verifier afresh", () => {
    expect(scramSha256Verifier("same password")).not.toBe(scramSha256Verifier("same password"));
  });
});
