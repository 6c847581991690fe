import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Summary } from "./stats.js";

export interface Row {
  metric: string;
  unit: string;
  baseline?: Summary | number;
  tuned: Summary | number;
  /**
   * Human-readable target, and whether the tuned result meets it. Without one the row is a
   * measurement that explains others (a ceiling, an idle cost).
   */
  target?: string;
  met?: boolean;
}

const fmt = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1));
const cell = (value: Summary | number | undefined) =>
  value === undefined
    ? "-"
    : typeof value === "number"
      ? fmt(value)
      : `${fmt(value.p50)} / ${fmt(value.p99)} / ${fmt(value.max)}`;
const p50 = (value: Summary | number) => (typeof value === "number" ? value : value.p50);

/** Baseline over tuned for latencies (how many times faster), tuned over baseline for rates. */
function ratio(row: Row): string {
  if (row.baseline === undefined) return "-";
  const higherIsBetter = row.unit.endsWith("/s") || row.unit === "%";
  const r = higherIsBetter
    ? p50(row.tuned) / p50(row.baseline)
    : p50(row.baseline) / p50(row.tuned);
  return `${r.toFixed(r >= 10 ? 0 : 1)}x`;
}

/** The results as a Markdown table: p50 / p99 / max per side, the ratio, the target; then notes. */
export function toMarkdown(rows: Row[], context: string, notes = ""): string {
  const lines = [
    "| metric | unit | naive baseline (p50 / p99 / max) | this system (p50 / p99 / max) | better by | target | met |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.metric} | ${r.unit} | ${cell(r.baseline)} | ${cell(r.tuned)} | ${ratio(r)} | ${r.target ?? "-"} | ${
          r.met === undefined ? "-" : r.met ? "yes" : "**no**"
        } |`,
    ),
  ];
  return `${context}\n\n${lines.join("\n")}\n${notes ? `\n${notes}\n` : ""}`;
}

/** Writes `<base>.json` and `<base>.md`. */
export function writeReport(
  base: string,
  rows: Row[],
  context: string,
  notes: string,
  meta: Record<string, unknown>,
) {
  mkdirSync(dirname(base), { recursive: true });
  writeFileSync(`${base}.json`, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  writeFileSync(`${base}.md`, toMarkdown(rows, context, notes));
}
