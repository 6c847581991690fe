import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll } from "vitest";
import { root } from "./dashboard-stack.js";

/** The example's backend (examples/web-app/server.ts), running as a process of its own. */
export interface WebAppBackend {
  /** Its origin, e.g. http://127.0.0.1:PORT: another than the API's. */
  origin: string;
  /** Every line it printed. */
  output: string[];
  /** SIGTERM, as Ctrl-C; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts the example backend on `port` with `settings`; resolves once it listens. */
export async function startWebApp(port: number, settings: NodeJS.ProcessEnv) {
  const backend = spawn(process.execPath, ["--import", "tsx", "examples/web-app/server.ts"], {
    cwd: root,
    env: { ...process.env, ...settings, EXAMPLE_PORT: String(port) },
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => backend.once("exit", () => resolve()));
  createInterface({ input: backend.stderr }).on("line", (line) => output.push(line));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: backend.stdout }).on("line", (line) => {
      output.push(line);
      if (line.startsWith("Web app example on")) resolve();
    });
    backend.once("exit", (code) =>
      reject(new Error(`the example exited with ${code}:\n${output.join("\n")}`)),
    );
  });
  const stop = async () => {
    if (backend.exitCode === null) backend.kill("SIGTERM");
    await exited;
  };
  return { origin: `http://127.0.0.1:${port}`, output, stop } satisfies WebAppBackend;
}

/**
 * The example backend for a file's tests: started before them (register it after
 * `dashboardStack`, whose stack it needs) with what `env()` gives then, stopped after them.
 */
export function webAppBackend(
  env: () => { port: number; settings: NodeJS.ProcessEnv },
  skip: boolean,
): WebAppBackend {
  const ctx = {} as WebAppBackend;
  beforeAll(async () => {
    if (skip) return;
    const { port, settings } = env();
    Object.assign(ctx, await startWebApp(port, settings));
  }, 30_000);
  afterAll(() => ctx.stop?.());
  return ctx;
}
