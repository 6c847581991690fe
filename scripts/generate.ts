import { pathToFileURL } from "node:url";
import { bundleDashboard } from "./bundle-dashboard.js";
import { generateKinds } from "./generate-kinds.js";

/**
 * Everything generated from the sources and not committed: the kinds' lists and the dashboard's
 * script. `npm run kinds` runs it (npm's `prepare`, and the `pre*` hooks of start, test,
 * typecheck, lint and bench), vitest's global setup and `sst deploy` too. The worker's image
 * build generates only the kinds' lists (`prebuild:worker`): it has no dashboard.
 */
export function generate() {
  generateKinds();
  bundleDashboard();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) generate();
