import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { StepResult } from "../contracts/app.js";

const THREAD_FILE = new URL("./fibonacci-thread.js", import.meta.url);

/** A pool of threads that compute fibonacci numbers off the main event loop. */
export interface FibonacciPool {
  compute(n: number): Promise<StepResult>;
  /** Stops the threads; pending computations reject. */
  close(): Promise<void>;
}

/**
 * Starts a thread pool for fibonacci steps.
 * @param threads - maximum threads; defaults to the number of cores.
 */
export function createFibonacciPool(threads = availableParallelism()): FibonacciPool {
  const pool = new Piscina<{ n: number }, number>({
    filename: THREAD_FILE.href,
    minThreads: 0,
    maxThreads: Math.max(1, threads),
    idleTimeout: 30_000,
  });
  return {
    async compute(n) {
      return { n, fibonacci: await pool.run({ n }) };
    },
    close: () => pool.close({ force: true }),
  };
}
