import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { OPTIONAL_DEPENDENCIES } from "../infra/optional-dependencies.js";
import { summarize, type Summary } from "./stats.js";

const root = fileURLToPath(new URL("../", import.meta.url));

/**
 * Bundles the API's Lambda entry as the deployment does (infra/api.ts) (one minified ESM file for Node 20) and
 * measures its size and its cold init: a fresh Node process importing it, `runs` times.
 */
export async function measureApiBundle(
  outDir: string,
  runs = 5,
): Promise<{ bytes: number; initMs: Summary }> {
  const outfile = `${outDir}/api-handler.mjs`;
  await build({
    entryPoints: [`${root}functions/api/src/handler.ts`],
    outfile,
    bundle: true,
    minify: true,
    platform: "node",
    target: "node20",
    format: "esm",
    // The same optional packages the deployed function leaves out (never loaded by our code).
    external: OPTIONAL_DEPENDENCIES,
    // CommonJS dependencies call require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: "silent",
  });
  const script = `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, DBOS_SYSTEM_DATABASE_URL: "postgres://cold:init@127.0.0.1:1/none" },
    });
    samples.push(Number(out.toString().trim().split("\n").at(-1)));
  }
  return { bytes: statSync(outfile).size, initMs: summarize(samples) };
}
