import { newTokenKey } from "@wfc/tokens";
import { describe, expect, it } from "vitest";
import { apiEnv, workerEnv, type RunSecrets } from "@wfc/local-stack/service-env";
import { tokenKeysLink } from "@wfc/local-stack/token-keys";
import { inFreshProcess } from "../support/fresh-process.js";

// What `npm start` hands its worker and its API, read the way each process reads it: in a fresh
// process (Resource from "sst" reads the SST_RESOURCE_* variables once), by its own config module.
const databaseUrl = "postgresql://postgres:pw@127.0.0.1:54329/dbos";
const ports = { api: 8123, health: 8001, relay: 8003 };

const secrets = (tokenKeys: string | undefined): RunSecrets => ({
  apiRole: { name: "wfc_api_test", password: "an-api-role-password" },
  relaySecret: "a".repeat(43),
  tokenKeys: tokenKeysLink(tokenKeys),
});

/** The approval-link settings `module`'s config function parses from `env`, secrets as text. */
function parsedBy(module: "worker" | "api", env: NodeJS.ProcessEnv) {
  const load = module === "worker" ? "workerConfig" : "apiConfig";
  return inFreshProcess<{ keys?: string[]; url?: string }>(
    [
      `import { ${load} } from "./functions/${module}/src/config.ts";`,
      `const config = ${load}();`,
      "const keys = config.TOKEN_KEYS?.keys.map((k) => `${k.kid}:${Buffer.from(k.secret).toString('base64url')}`);",
      "console.log(JSON.stringify({ keys, url: config.PUBLIC_API_URL }));",
    ],
    env,
  );
}

describe("npm start's worker", () => {
  const base = { PATH: process.env.PATH };

  it("signs with the API's development key and links to the API's local URL", () => {
    const run = secrets(undefined);
    const worker = parsedBy("worker", workerEnv(base, databaseUrl, run, ports));
    const api = parsedBy("api", apiEnv(base, databaseUrl, run));
    expect(worker.keys).toHaveLength(1);
    expect(worker.keys![0]).toMatch(/^local:/);
    expect(worker.keys).toEqual(api.keys);
    expect(worker.url).toBe(`http://localhost:${ports.api}`);
  });

  it("gets the user's TOKEN_KEYS and PUBLIC_API_URL when they are set", () => {
    const ring = `${newTokenKey("old")},${newTokenKey("new")}`;
    const env = { ...base, TOKEN_KEYS: ring, PUBLIC_API_URL: "https://tunnel.example.com/" };
    const run = secrets(ring);
    const worker = parsedBy("worker", workerEnv(env, databaseUrl, run, ports));
    expect(worker.keys).toEqual(ring.split(","));
    const api = parsedBy("api", apiEnv(env, databaseUrl, run));
    expect(api.keys).toEqual(worker.keys);
    expect(worker.url).toBe("https://tunnel.example.com");
    // The API starts the links it mints with it too, rather than with the request's origin.
    expect(api.url).toBe("https://tunnel.example.com");
  });
});
