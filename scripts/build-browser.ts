import { gzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const entry = (name: string) =>
  fileURLToPath(new URL(`../packages/${name}/src/index.ts`, import.meta.url));

/** The browser packages, each with what its bundle leaves to the app (React is the app's). */
export const BROWSER_PACKAGES = {
  "@wfc/browser": { entry: entry("browser"), external: [] },
  "@wfc/react": { entry: entry("react"), external: ["react"] },
} as const;

/**
 * Bundles one of `BROWSER_PACKAGES` as a web app's bundler would (esbuild, minified ESM,
 * platform browser) and measures it. @returns the code and its size minified and
 * minified+gzipped, in bytes.
 */
export async function bundleBrowserPackage(name: keyof typeof BROWSER_PACKAGES) {
  const { entry, external } = BROWSER_PACKAGES[name];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external: [...external],
    write: false,
    logLevel: "warning",
  });
  const bytes = result.outputFiles[0]!.contents;
  return {
    code: result.outputFiles[0]!.text,
    minified: bytes.byteLength,
    gzipped: gzipSync(bytes, { level: 9 }).byteLength,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const name of Object.keys(BROWSER_PACKAGES) as (keyof typeof BROWSER_PACKAGES)[]) {
    const { minified, gzipped } = await bundleBrowserPackage(name);
    console.log(`${name}: ${minified} B minified, ${gzipped} B minified+gzipped`);
  }
}
