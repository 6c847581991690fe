import { gzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ENTRY = fileURLToPath(new URL("../packages/browser/src/index.ts", import.meta.url));

/**
 * Bundles `@wfc/browser` as a web app's bundler would (esbuild, minified ESM, platform browser)
 * and measures it. @returns the code and its size minified and minified+gzipped, in bytes.
 */
export async function bundleBrowserClient(entry = ENTRY) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
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
  const { minified, gzipped } = await bundleBrowserClient();
  console.log(`@wfc/browser: ${minified} B minified, ${gzipped} B minified+gzipped`);
}
