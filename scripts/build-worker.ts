import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { NODE_TARGET } from "../infra/node-runtime.js";
import { OPTIONAL_DEPENDENCIES } from "../infra/optional-dependencies.js";

const root = fileURLToPath(new URL("../", import.meta.url));

/** Where `npm run build:worker` writes, and where the Dockerfile copies from. */
export const WORKER_DIST = join(root, "dist", "worker");

// ESM output still meets CommonJS code that uses require and __dirname (DBOS, piscina).
const banner = [
  'import { createRequire as __wfcCreateRequire } from "node:module";',
  'import { fileURLToPath as __wfcFileURLToPath } from "node:url";',
  'import { dirname as __wfcDirname } from "node:path";',
  "const require = __wfcCreateRequire(import.meta.url);",
  "const __filename = __wfcFileURLToPath(import.meta.url);",
  "const __dirname = __wfcDirname(__filename);",
].join("\n");

/**
 * Bundles the worker entry the local stack runs (`functions/worker/src/main.ts`) into a directory
 * that runs with plain `node main.js` and nothing else: no node_modules, no TypeScript. Next to
 * it go the two files threads load by path: piscina's `worker.js` and our
 * `fibonacci-thread.js` (found through `new URL("./fibonacci-thread.js", import.meta.url)`).
 * @returns the output directory and the size of each file in bytes.
 */
export async function buildWorker(outDir = WORKER_DIST) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: {
      main: join(root, "functions/worker/src/main.ts"),
      // piscina starts its threads from the `worker.js` next to its own code.
      worker: join(dirname(fileURLToPath(import.meta.resolve("piscina"))), "worker.js"),
    },
    outdir: outDir,
    bundle: true,
    platform: "node",
    format: "esm",
    // The image's base is node:<NODE_MAJOR> (the Dockerfile; test/unit/node-runtime.test.ts).
    target: NODE_TARGET,
    banner: { js: banner },
    external: OPTIONAL_DEPENDENCIES,
    metafile: true,
    logLevel: "warning",
  });
  await copyFile(
    join(root, "packages/core/src/workflows/fibonacci-thread.js"),
    join(outDir, "fibonacci-thread.js"),
  );
  // Every .js file here is an ES module, the thread file included.
  await writeFile(join(outDir, "package.json"), '{ "type": "module" }\n');
  const sizes = Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([file, { bytes }]) => [resolve(file), bytes]),
  );
  return { outDir, sizes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { outDir, sizes } = await buildWorker();
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(`worker bundle: ${outDir} (${(total / 1024 / 1024).toFixed(1)} MB)`);
}
