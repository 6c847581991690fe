export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of `sorted` (ascending). */
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/** p50 / p99 / max of a set of samples (milliseconds, or any unit). */
export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1)!,
  };
}

/** What a row group that was not run reports: nothing, and its rows are left out. */
export const NOT_RUN: Summary = { n: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };

/** Whether a value was measured: a group that was not run leaves NaN or `NOT_RUN`. */
export const measured = (value: Summary | number) =>
  typeof value === "number" ? !Number.isNaN(value) : value.n > 0;

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
