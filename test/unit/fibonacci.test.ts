import { afterAll, describe, expect, it } from "vitest";
import { createFibonacciPool } from "@wfc/core/workflows";
import { fibonacci } from "../../packages/core/src/workflows/fibonacci-thread.js";

describe("fibonacci", () => {
  it("matches the seed's values", () => {
    expect([0, 1, 2, 10, 28, 30].map(fibonacci)).toEqual([0, 1, 1, 55, 317811, 832040]);
  });

  const pool = createFibonacciPool(1);
  afterAll(() => pool.close());

  it("computes in a thread while the main event loop keeps ticking", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    const result = await pool.compute(34);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(result).toEqual({ n: 34, fibonacci: 5702887 });
    // Had it run on this thread, no interval callback could have fired until it finished.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 4));
    expect(ticks).toBeGreaterThan(2);
  });
});
