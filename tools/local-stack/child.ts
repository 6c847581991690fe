import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the process's "ready" JSON line. */
  ready: Promise<Record<string, unknown>>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs a TypeScript entry point as its own Node process (as it runs in AWS: one process per
 * service), prefixing its output, and resolves `ready` on its `{"msg":"<name> ready"}` line.
 */
export function runService(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  output: (line: string) => void = (line) => console.log(line),
): ServiceProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      output(`[${name}] ${line}`);
      if (line.includes(`"${name} ready"`)) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    void exited.then((code) =>
      reject(new Error(`${name} exited with code ${code} before it was ready`)),
    );
  });
  ready.catch(() => {});
  createInterface({ input: child.stderr! }).on("line", (line) => output(`[${name}] ${line}`));

  const stop = async (graceMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { name, child, ready, exited, stop };
}
