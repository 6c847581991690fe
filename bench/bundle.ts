import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { buildApi } from "../scripts/build-api.js";
import { summarize, type Summary } from "./stats.js";

// The response-streaming entry calls `awslambda.streamifyResponse` as it loads: the runtime's
// global, reduced to what loading needs.
const globals = "globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: {} };";

/**
 * Bundles the API's Lambda entry as the deployment does (scripts/build-api.ts) and measures its
 * size and its cold init: a fresh Node process importing it, `runs` times.
 */
export async function measureApiBundle(
  outDir: string,
  runs = 5,
): Promise<{ bytes: number; initMs: Summary }> {
  const bundle = await buildApi(`${outDir}/api-bundle`);
  const url = pathToFileURL(bundle.file).href;
  const script = `${globals} const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, DBOS_SYSTEM_DATABASE_URL: "postgres://cold:init@127.0.0.1:1/none" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    samples.push(Number(out.toString().trim().split("\n").at(-1)));
  }
  return { bytes: bundle.bytes, initMs: summarize(samples) };
}
