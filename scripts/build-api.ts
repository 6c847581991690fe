import { existsSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { API_HANDLER, API_RUNTIME } from "../infra/api-function.js";
import { OPTIONAL_DEPENDENCIES } from "../infra/optional-dependencies.js";
import { bundleDashboard } from "./bundle-dashboard.js";
import { COMMONJS_GLOBALS, ESM_REQUIRE_BANNER } from "./esm-require-banner.js";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The API bundle: where it is, how Lambda finds its handler in it, and its size. */
export interface ApiBundle {
  /** The bundle directory: Lambda's task root (`LAMBDA_TASK_ROOT`). */
  dir: string;
  /** The bundled entry, `<dir>/functions/api/src/stream-handler.mjs`. */
  file: string;
  /** `_HANDLER`: the entry's path in `dir` without extension, a dot, the export. */
  handler: string;
  bytes: number;
  /** The source files in it, relative to the repository root. */
  inputs: string[];
}

/** `functions/api/src/stream-handler.handler` -> the file part and the export name. */
export function splitHandler(handler: string) {
  const dot = handler.lastIndexOf(".");
  return { file: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

/** `nodejs24.x` -> `node24`: the bundle targets the runtime it runs on. */
export function runtimeTarget(runtime: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!major) throw new Error(`Not a Lambda Node.js runtime: ${runtime}`);
  return `node${major}`;
}

/**
 * Bundles the API function's handler as `sst deploy` does (one minified ESM file for the
 * function's runtime, the optional dependencies left out) into `outDir`, at the handler's path,
 * so that `outDir` is the function's task root.
 * @throws Error when esbuild cannot bundle the entry.
 */
export async function buildApi(outDir: string): Promise<ApiBundle> {
  const { file } = splitHandler(API_HANDLER);
  const source = [".ts", ".mts", ".js", ".mjs"]
    .map((ext) => join(root, file + ext))
    .find((path) => existsSync(path));
  if (!source) throw new Error(`No source file for the handler ${API_HANDLER}`);
  // The dashboard's script is bundled into a module the handler imports: fresh, whatever ran before.
  bundleDashboard();
  const dir = resolve(outDir);
  const outfile = join(dir, `${file}.mjs`);
  await mkdir(dir, { recursive: true });
  const result = await build({
    entryPoints: [source],
    metafile: true,
    outfile,
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    target: runtimeTarget(API_RUNTIME),
    banner: { js: ESM_REQUIRE_BANNER },
    define: COMMONJS_GLOBALS,
    external: OPTIONAL_DEPENDENCIES,
    logLevel: "warning",
  });
  const bytes = (await stat(outfile)).size;
  return {
    dir,
    file: outfile,
    handler: API_HANDLER,
    bytes,
    inputs: Object.keys(result.metafile.inputs),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const bundle = await buildApi(process.argv[2] ?? join(root, "dist", "api"));
  console.log(`api bundle: ${bundle.file} (${(bundle.bytes / 1024).toFixed(0)} KiB)`);
}
