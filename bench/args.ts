import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Sizes } from "./measures.js";

/** Groups of rows `--only` can pick (comma-separated); every group when it is not given. */
export const ROW_GROUPS = [
  "idle",
  "event-wake",
  "stream",
  "dispatch",
  "message",
  "first-progress",
  "throughput",
  "connections",
  "bundle",
  "lambda-model",
  "tokens",
] as const;
export type RowGroup = (typeof ROW_GROUPS)[number];

/** What one `npm run bench` was asked to do. */
export interface BenchArgs {
  /** `--quick`: CI's few-sample smoke. */
  quick: boolean;
  /** `--only`: the row groups asked for; undefined when every group runs. */
  only: string[] | undefined;
  /** `--profile`: the profile to print instead of the table. */
  profile: string | undefined;
  /** `--samples`: the samples asked for, undefined for each mode's default. */
  samples: number | undefined;
  sizes: Sizes;
  /** The results' path without its extension (`.json`, `.md`). */
  outBase: string;
  /** The repository's root, with a trailing slash. */
  root: string;
  /** Whether `group`'s rows are measured in this run. */
  wanted(group: RowGroup): boolean;
}

/**
 * Reads the command line. On an unknown `--only` group it prints the groups and exits with 2;
 * an unknown option throws (node:util's parseArgs).
 */
export function readArgs(): BenchArgs {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const { values: args } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      only: { type: "string" },
      profile: { type: "string" },
      samples: { type: "string" },
    },
  });
  const only = args.only?.split(",").map((id) => id.trim());
  const unknownGroup = only?.find((id) => !(ROW_GROUPS as readonly string[]).includes(id));
  if (unknownGroup) {
    console.error(`--only: unknown row group '${unknownGroup}' (groups: ${ROW_GROUPS.join(", ")})`);
    process.exit(2);
  }
  const sizes: Sizes = args.quick
    ? { samples: 5, throughputWorkflows: 50, waiters: 50 }
    : { samples: 40, throughputWorkflows: 1000, waiters: 1000 };
  if (args.samples) sizes.samples = Number(args.samples);
  // A full run is filed under its date next to the earlier ones; a smoke or a subset of rows
  // never is.
  const outBase =
    args.out ??
    (args.quick || only
      ? `${root}bench/out/results`
      : `${root}bench/results/${new Date().toISOString().slice(0, 10)}`);
  return {
    quick: args.quick,
    only,
    profile: args.profile,
    samples: args.samples ? Number(args.samples) : undefined,
    sizes,
    outBase,
    root,
    wanted: (group) => !only || only.includes(group),
  };
}
