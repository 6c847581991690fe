import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Runs an ES module `script` (lines, imports relative to the repository's root) in a fresh Node
 * process with exactly `env`, and parses the JSON it prints: what a process reads once at start
 * (SST's `Resource`, a config module) is read as a new process reads it.
 */
export function inFreshProcess<T>(script: string[], env: NodeJS.ProcessEnv): T {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script.join("\n")],
    { cwd: root, env, encoding: "utf8" },
  );
  return JSON.parse(out) as T;
}
