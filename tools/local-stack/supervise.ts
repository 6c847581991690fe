import type { ServiceProcess } from "./child.js";

/** First wait before a restart, doubled after each quick crash up to `MAX_BACKOFF_MS`. */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A run this long was healthy: the next crash starts the backoff over. */
const HEALTHY_RUN_MS = 60_000;

export interface SupervisedService {
  name: string;
  /** The process running now (a new one after each restart). */
  current(): ServiceProcess;
  /** Stops the process and restarts no more. */
  stop(): Promise<void>;
}

/**
 * Keeps a service running as ECS keeps a task: when its process dies unexpectedly, a new one
 * is started after a backoff (doubling while it keeps crashing soon after start), and the
 * log says so. Workflows the dead process held resume on the new one (DBOS recovery).
 * @param start - starts the process; its `ready` must resolve once it serves.
 */
export async function supervise(
  name: string,
  start: () => ServiceProcess,
  log: (line: string) => void = (line) => console.error(line),
): Promise<SupervisedService> {
  let running = start();
  await running.ready;
  let stopping = false;
  let backoffMs = FIRST_BACKOFF_MS;
  let startedAt = performance.now();

  const watch = (child: ServiceProcess) => {
    void child.exited.then(async (code) => {
      if (stopping) return;
      if (performance.now() - startedAt > HEALTHY_RUN_MS) backoffMs = FIRST_BACKOFF_MS;
      const how = child.child.signalCode ? `signal ${child.child.signalCode}` : `code ${code}`;
      log(`${name} exited unexpectedly (${how}); restarting it in ${backoffMs} ms, as ECS would`);
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      if (stopping) return;
      startedAt = performance.now();
      running = start();
      watch(running);
      try {
        await running.ready;
        log(`${name} restarted (pid ${running.child.pid}); the stack keeps serving`);
      } catch {
        // It died before it was ready: its exit is watched above and restarts it again.
      }
    });
  };
  watch(running);

  return {
    name,
    current: () => running,
    async stop() {
      stopping = true;
      await running.stop();
    },
  };
}
