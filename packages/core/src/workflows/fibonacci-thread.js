// Runs in a worker thread (piscina): the recursive fibonacci is CPU-bound by design, and here
// it cannot stall the worker's event loop, which keeps serving other workflows' I/O meanwhile.
// Plain JavaScript so every runtime (tsx, vitest, the bundled container) can load it as is.

/**
 * @param {number} n
 * @returns {number}
 */
export function fibonacci(n) {
  return n <= 1 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

/** @param {{ n: number }} task */
export default function run(task) {
  return fibonacci(task.n);
}
