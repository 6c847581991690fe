import { DBOS } from "@dbos-inc/dbos-sdk";
import type { StepResult } from "../contracts/app.js";
import type { FibonacciPool } from "./fibonacci.js";

export type FibonacciStep = (n: number) => Promise<StepResult>;

/**
 * Registers the seed's fibonacci step (`dbos_step`): checkpointed, so a recovered workflow
 * never recomputes a finished step, and retried like the seed's `retries_allowed=True`.
 */
export function registerFibonacciStep(pool: FibonacciPool): FibonacciStep {
  return DBOS.registerStep((n: number) => pool.compute(n), {
    name: "dbos_step",
    retriesAllowed: true,
    maxAttempts: 3,
  });
}
