import { spawn } from "node:child_process";

/** What stops the stack: Ctrl-C, `kill`, a closed terminal. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

const MARK = "WFC_LOCAL_STACK_GROUP";

/**
 * Runs this script again as the leader of a process group of its own, relaying the stop signals
 * this process gets to it. A terminal's Ctrl-C reaches its whole foreground group: the worker
 * and PostgreSQL would stop at once, behind the stack's back (the worker "exited unexpectedly"
 * and restarted, the database gone before the worker). In a group of its own, the stack alone
 * decides the order.
 * @returns true in the relaying process, which then only waits for the stack to exit (with its
 *   code); false in the stack itself.
 */
export function relayToOwnGroup(): boolean {
  if (process.env[MARK] !== undefined) {
    delete process.env[MARK];
    return false;
  }
  const stack = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, [MARK]: "1" },
  });
  for (const signal of STOP_SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => stack.kill(signal));
  }
  stack.once("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}
