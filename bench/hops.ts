import pg from "pg";
import { summarize } from "./stats.js";
import { now } from "./workflows.js";

/** Moments of one sample, in ms on the wall clock shared by every process of this machine. */
export type Marks = Record<string, number>;

/** One hop of a profile: from one mark to another, and what the time between them is. */
export type Hop = [from: string, to: string, label: string];

/** One statement a `StampedPool` ran for the current sample: its kind, start and end. */
export interface Stamp {
  what: string;
  start: number;
  end?: number;
}

/**
 * A pg pool that stamps the start and end of every statement it runs while `stamps` is set,
 * each named by `classify(text)`: a profile then knows when each of a request's round trips
 * began and ended without the code under test knowing it is measured.
 */
export class StampedPool extends pg.Pool {
  stamps: Stamp[] | undefined;
  classify: (text: string) => string = () => "query";
  override query(...args: unknown[]): never {
    const stamps = this.stamps;
    const text = String(
      typeof args[0] === "string" ? args[0] : (args[0] as { text: string }).text,
    ).trim();
    const stamp: Stamp = { what: this.classify(text), start: now() };
    stamps?.push(stamp);
    const result = (super.query as (...a: unknown[]) => Promise<unknown>)(...args);
    if (stamps && result instanceof Promise) {
      void result.then(
        () => (stamp.end = now()),
        () => {},
      );
    }
    return result as never;
  }
}

/** p50 / p90 of `to - from` over the samples that have both marks; "-" when none has. */
export function hopCell(samples: Marks[], from: string, to: string): string {
  const d = samples.map((m) => m[to]! - m[from]!).filter((x) => Number.isFinite(x));
  if (d.length === 0) return "-";
  const sorted = [...d].sort((a, b) => a - b);
  const p90 = sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]!;
  return `${summarize(d).p50.toFixed(2)} / ${p90.toFixed(2)}`;
}

/**
 * A Markdown table of p50 / p90 per hop, one column per side; a hop no side measured is left
 * out. `cell` may replace a side's cell (e.g. with "-" where the hop means something else there).
 */
export function hopTable(
  hops: Hop[],
  sides: Array<{ name: string; samples: Marks[] }>,
  cell: (samples: Marks[], from: string, to: string) => string = hopCell,
): string {
  const lines = [
    `| hop | ${sides.map((s) => `${s.name} p50 / p90 (ms)`).join(" | ")} |`,
    `|---|${sides.map(() => "---").join("|")}|`,
  ];
  for (const [from, to, label] of hops) {
    const cells = sides.map(({ samples }) => cell(samples, from, to));
    if (cells.every((c) => c === "-")) continue;
    lines.push(`| ${label} | ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}
