import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** `npm start` as a user runs it, its output recorded line by line (stdout and stderr). */
export interface StartedStack {
  process: ChildProcess;
  output: string[];
  /** Resolves on the banner's "Stack ready" line; rejects if it exits before. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  /** Calls `listener` with every line from now on; returns a function that stops it. */
  onLine(listener: (line: string) => void): () => void;
}

/**
 * Runs the local stack's entry (`npm start` without npm) in the repository with `env` over this
 * process's environment, minus DBOS_SYSTEM_DATABASE_URL unless `env` sets it. `detached`: in a
 * process group of its own, as a terminal runs it, so a test can Ctrl-C the whole group.
 */
export function runStart(env: NodeJS.ProcessEnv, { detached = false } = {}): StartedStack {
  const full: NodeJS.ProcessEnv = { ...process.env, DBOS_SYSTEM_DATABASE_URL: undefined, ...env };
  if (full.DBOS_SYSTEM_DATABASE_URL === undefined) delete full.DBOS_SYSTEM_DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "tools/local-stack/start.ts"], {
    cwd: root,
    env: full,
    detached,
  });
  const output: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const record = (line: string) => {
    output.push(line);
    for (const listener of listeners) listener(line);
  };
  createInterface({ input: child.stdout! }).on("line", record);
  createInterface({ input: child.stderr! }).on("line", record);
  // "close": the exit code once its output is all read.
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  const ready = new Promise<void>((resolve, reject) => {
    listeners.add((line) => {
      if (line.startsWith("Stack ready")) resolve();
    });
    void exited.then((code) =>
      reject(new Error(`npm start exited with ${code}:\n${output.join("\n")}`)),
    );
  });
  ready.catch(() => {});
  return {
    process: child,
    output,
    ready,
    exited,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
