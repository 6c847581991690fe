import { createFibonacciPool, type FibonacciPool } from "./fibonacci.js";
import { registerFibonacciStep } from "./steps.js";
import { registerEventsWorkflow } from "./events.js";
import { registerMessagingWorkflow } from "./messaging.js";
import { registerStreamingWorkflow } from "./streaming.js";
import { registerFanoutWorkflows } from "./fanout.js";

export interface WorkflowSettings {
  /** Seconds the messaging workflow waits for its approval. */
  recvTimeoutSeconds: number;
  /** Threads for fibonacci steps; defaults to the number of cores. */
  fibonacciThreads?: number;
}

/**
 * Registers every workflow of the product with DBOS. Call once, before `DBOS.launch()`.
 * Returns the workflow functions (for tests) and the thread pool to close at shutdown.
 */
export function registerWorkflows(settings: WorkflowSettings) {
  const pool: FibonacciPool = createFibonacciPool(settings.fibonacciThreads);
  const step = registerFibonacciStep(pool);
  return {
    pool,
    events: registerEventsWorkflow(step),
    messaging: registerMessagingWorkflow(step, settings.recvTimeoutSeconds),
    streaming: registerStreamingWorkflow(step),
    ...registerFanoutWorkflows(step),
  };
}

export type RegisteredWorkflows = ReturnType<typeof registerWorkflows>;
export { createFibonacciPool, type FibonacciPool } from "./fibonacci.js";
