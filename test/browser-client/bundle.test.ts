import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bundleBrowserPackage } from "../../scripts/build-browser.js";

// @wfc/browser and @wfc/react run in a browser as they are: no Node module, no Node-only
// global, and small minified bundles (issue 23 aims at 8 KB min+gzip for the client, 3 KB more
// for the hooks; the hooks import the client's types only, so their bundle is all they add).
const NODE_ONLY = /\b(process|Buffer|require|__dirname|__filename|setImmediate|global)\b\s*[.([]/;
const PACKAGES = [
  { name: "@wfc/browser", dir: "browser", budget: 8 * 1024, marker: "text/event-stream" },
  { name: "@wfc/react", dir: "react", budget: 3 * 1024, marker: "useEffect" },
] as const;

describe.each(PACKAGES)("$name", ({ name, dir, budget, marker }) => {
  it("imports no node: module, uses no Node-only global, runs nothing of the repository's", async () => {
    const src = fileURLToPath(new URL(`../../packages/${dir}/src/`, import.meta.url));
    const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const text = await readFile(join(src, file), "utf8");
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      expect(code, file).not.toMatch(/from\s+["']node:|import\(\s*["']node:/);
      expect(code, file).not.toMatch(NODE_ONLY);
      // Only type imports from the rest of the repository: nothing of core runs in a browser.
      for (const [, specifier] of code.matchAll(
        /^import\s+(?!type\b)[^;]*?from\s+["']([^"']+)["']/gm,
      ))
        expect(specifier, file).toMatch(/^(\.\/|react$)/);
    }
  });

  it(`bundles for a browser (esbuild, minified ESM) within ${budget / 1024} KB min+gzip`, async () => {
    const { minified, gzipped, code } = await bundleBrowserPackage(name);
    expect(code).not.toMatch(/["']node:/);
    expect(code).toContain(marker);
    expect(minified).toBeGreaterThan(1000);
    expect(gzipped).toBeLessThanOrEqual(budget);
  });
});
