import { bundleBrowserPackage } from "../../scripts/build-browser.js";
import type { BenchArgs } from "../args.js";
import { measureApiBundle } from "../bundle.js";
import type { Row } from "../report.js";
import { NOT_RUN, type Summary } from "../stats.js";

/** The API's Lambda bundle and its cold init, and the browser packages' gzipped sizes. */
export interface Bundles {
  api: { bytes: number; initMs: Summary };
  browserKb: { client: number; hooks: number };
}

/** Measures the bundles when the bundle group runs; NaN and `NOT_RUN` when it does not. */
export async function measureBundles(run: BenchArgs): Promise<Bundles> {
  let api = { bytes: Number.NaN, initMs: NOT_RUN };
  if (run.wanted("bundle")) {
    console.log("  API bundle and cold init");
    api = await measureApiBundle(`${run.root}bench/out`);
  }
  // What a web page downloads: each browser package as its bundler would build it, gzipped.
  const browserKb = { client: Number.NaN, hooks: Number.NaN };
  if (run.wanted("bundle")) {
    browserKb.client = (await bundleBrowserPackage("@wfc/browser")).gzipped / 1024;
    browserKb.hooks = (await bundleBrowserPackage("@wfc/react")).gzipped / 1024;
  }
  return { api, browserKb };
}

/** The sizes: the API's Lambda bundle, the browser client, the React hooks. */
export function bundleSizeRows({ api, browserKb }: Bundles): Row[] {
  return [
    {
      metric: "API Lambda bundle (minified ESM)",
      unit: "KiB",
      tuned: api.bytes / 1024,
      target: "<= 2048",
      met: api.bytes <= 2 * 1024 * 1024,
    },
    {
      metric: "browser client @wfc/browser (minified ESM, gzipped)",
      unit: "KiB",
      tuned: browserKb.client,
      target: "<= 8",
      met: browserKb.client <= 8,
    },
    {
      metric:
        "React hooks @wfc/react, beyond the client (minified ESM, gzipped; React is the app's)",
      unit: "KiB",
      tuned: browserKb.hooks,
      target: "<= 3",
      met: browserKb.hooks <= 3,
    },
  ];
}

/** The API Lambda's cold init (the table's last row). */
export function coldInitRows({ api }: Bundles): Row[] {
  return [
    {
      metric: "API Lambda cold init (module load)",
      unit: "ms",
      tuned: api.initMs,
      target: "<= 300",
      met: api.initMs.p50 <= 300,
    },
  ];
}
