import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runService } from "@wfc/local-stack/child";

const API_ENTRY = fileURLToPath(new URL("../../functions/api/src/server.ts", import.meta.url));

// The API server as an operator starts it, with a setting it must refuse: configuration is
// checked before anything connects, so no database is needed (none listens on port 1).
describe("the API server started with a bad WEBHOOK_SECRET", () => {
  it.each([
    ["bad base64", "whsec_not*base64!at-all-0123456789"],
    ["a 7-byte zero key", "whsec_AAAAAAAAAA"],
  ])("with %s prints one line naming it and exits 1", async (_, secret) => {
    const output: string[] = [];
    const api = runService(
      "api",
      API_ENTRY,
      {
        ...process.env,
        DBOS_SYSTEM_DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:1/none",
        PORT: "0",
        WEBHOOK_SECRET: secret,
      },
      (line) => output.push(line),
    );
    try {
      await expect(api.ready).rejects.toThrow(/exited with code 1 before it was ready/);
    } finally {
      await api.stop();
    }
    expect(output).toEqual([
      expect.stringMatching(/^\[api\] Invalid configuration: WEBHOOK_SECRET must be whsec_/),
    ]);
    expect(output.join("\n")).not.toContain(secret.slice("whsec_".length));
  });
});
