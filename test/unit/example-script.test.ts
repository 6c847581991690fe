import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// `npm run example` with `npm start`'s environment: where the stack listens, which key it wants.
const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);
const example = (args: string[], env: NodeJS.ProcessEnv) =>
  run(process.execPath, ["--import", "tsx", "scripts/example.ts", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
  });

describe("npm run example", () => {
  it("lists its flags with --help", async () => {
    const { stdout } = await example(["--help"], { API_KEYS: "secret-key-0123456789" });
    for (const flag of ["transport", "url", "lambda-endpoint", "function", "api-key", "help"]) {
      expect(stdout).toContain(`--${flag}`);
    }
    expect(stdout).not.toContain("secret-key-0123456789");
  });

  it("calls the API on PORT with the first of API_KEYS", async () => {
    const requests: { url?: string; headers: IncomingHttpHeaders }[] = [];
    const server = createServer((request, response) => {
      requests.push({ url: request.url, headers: request.headers });
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ detail: "Invalid API key" }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      const failed = await example([], {
        PORT: String(port),
        API_KEYS: " first-key-0123456789, second-key-0123456789",
      }).catch((error: { code: number }) => error);
      expect(failed).toMatchObject({ code: 1 });
      expect(requests[0]?.url).toMatch(/^\/start-workflow-events\//);
      expect(requests[0]?.headers.authorization).toBe("Bearer first-key-0123456789");
    } finally {
      server.close();
    }
  });
});
