import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bundleBrowserClient } from "../../scripts/build-browser.js";

// @wfc/browser runs in a browser as it is: no Node module, no Node-only global, and a small
// minified bundle (issue 23 aims at 8 KB min+gzip).
const SRC = fileURLToPath(new URL("../../packages/browser/src/", import.meta.url));
const NODE_ONLY = /\b(process|Buffer|require|__dirname|__filename|setImmediate|global)\b\s*[.([]/;

describe("@wfc/browser", () => {
  it("imports no node: module and uses no Node-only global", async () => {
    const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const text = await readFile(join(SRC, file), "utf8");
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      expect(code, file).not.toMatch(/from\s+["']node:|import\(\s*["']node:/);
      expect(code, file).not.toMatch(NODE_ONLY);
      // Only type imports from the rest of the repository: nothing of core runs in a browser.
      for (const [, specifier] of code.matchAll(/^import\s+(?!type\b).*from\s+["']([^"']+)["']/gm))
        expect(specifier, file).toMatch(/^\.\//);
    }
  });

  it("bundles for a browser (esbuild, minified ESM) within 8 KB min+gzip", async () => {
    const { minified, gzipped, code } = await bundleBrowserClient();
    expect(code).not.toMatch(/["']node:/);
    expect(code).toContain("text/event-stream");
    expect(minified).toBeGreaterThan(1000);
    expect(gzipped).toBeLessThanOrEqual(8 * 1024);
  });
});
