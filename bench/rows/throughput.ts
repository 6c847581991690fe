import { cpus } from "node:os";
import type { BenchArgs } from "../args.js";
import { commitRate, type CommitProbe } from "../ceiling.js";
import type { Sizes } from "../measures.js";
import type { ModeResult } from "../mode.js";
import type { Row } from "../report.js";

/** The server's commit rate from 4, 16 and 32 clients, plain and with a NOTIFY in each. */
export interface CommitProbes {
  probes: CommitProbe[];
  notifyingProbes: CommitProbe[];
}

/** Probes the server's commit rate (the throughput ceiling) when the throughput group runs. */
export async function probeCommitRates(run: BenchArgs, adminUrl: string): Promise<CommitProbes> {
  const probes: CommitProbe[] = [];
  const notifyingProbes: CommitProbe[] = [];
  if (run.wanted("throughput")) {
    console.log("  PostgreSQL commit rate (the throughput ceiling)");
    const probeSeconds = run.quick ? 0.5 : 2;
    for (const clients of [4, 16, 32]) {
      probes.push(await commitRate(adminUrl, clients, probeSeconds));
      notifyingProbes.push(await commitRate(adminUrl, clients, probeSeconds, true));
    }
  }
  return { probes, notifyingProbes };
}

const fmtNumber = (value: number) => value.toFixed(0);

/** CPU ms per workflow as total (PostgreSQL + worker + client). */
function cpuSplit(result: ModeResult) {
  const { postgres, worker, client } = result.throughput.cpuMsPerWorkflow;
  const f = (v: number) => v.toFixed(1);
  return `${f(postgres + worker + client)} = ${f(postgres)} + ${f(worker)} + ${f(client)}`;
}

// Not run: NaN, and the rows built from it are left out.
const best = (all: CommitProbe[]) =>
  all.length === 0
    ? { clients: 0, commitsPerSecond: Number.NaN }
    : all.reduce((a, b) => (b.commitsPerSecond > a.commitsPerSecond ? b : a));

/**
 * The throughput rows: workflows/s against its target, then the measurements that explain it
 * (the ceilings from commits and from CPU, the share of the lower one, the commit rate).
 */
export function throughputRows(
  sizes: Sizes,
  baseline: ModeResult,
  tuned: ModeResult,
  { probes, notifyingProbes }: CommitProbes,
): Row[] {
  const commits = best(probes);
  const notifying = best(notifyingProbes);
  const ceilings = (result: ModeResult) => {
    const t = result.throughput;
    const cpuMs =
      t.cpuMsPerWorkflow.postgres + t.cpuMsPerWorkflow.worker + t.cpuMsPerWorkflow.client;
    const byCommits = commits.commitsPerSecond / t.writingTransactionsPerWorkflow;
    const byCpu = (cpus().length * 1000) / cpuMs;
    return {
      cpuMs,
      byCommits,
      byCpu,
      share: (t.workflowsPerSecond / Math.min(byCommits, byCpu)) * 100,
    };
  };
  const baseCeiling = ceilings(baseline);
  const tunedCeiling = ceilings(tuned);
  return [
    {
      metric: `throughput, ${sizes.throughputWorkflows} concurrent starts, one worker`,
      unit: "workflows/s",
      baseline: baseline.throughput.workflowsPerSecond,
      tuned: tuned.throughput.workflowsPerSecond,
      target: `>= 2x naive (${fmtNumber(2 * baseline.throughput.workflowsPerSecond)})`,
      met: tuned.throughput.workflowsPerSecond >= 2 * baseline.throughput.workflowsPerSecond,
    },
    {
      metric: `ceiling from commits: ${fmtNumber(commits.commitsPerSecond)} commits/s (${commits.clients} clients) / transactions that write per workflow (${baseline.throughput.writingTransactionsPerWorkflow.toFixed(2)} / ${tuned.throughput.writingTransactionsPerWorkflow.toFixed(2)}; all: ${baseline.throughput.transactionsPerWorkflow.toFixed(1)} / ${tuned.throughput.transactionsPerWorkflow.toFixed(1)})`,
      unit: "workflows/s",
      baseline: baseCeiling.byCommits,
      tuned: tunedCeiling.byCommits,
    },
    {
      metric: `ceiling from CPU: ${cpus().length} cores / CPU ms per workflow (${cpuSplit(baseline)} / ${cpuSplit(tuned)})`,
      unit: "workflows/s",
      baseline: baseCeiling.byCpu,
      tuned: tunedCeiling.byCpu,
    },
    {
      metric: "throughput achieved / the lower ceiling",
      unit: "%",
      baseline: baseCeiling.share,
      tuned: tunedCeiling.share,
    },
    {
      metric: `PostgreSQL commit rate, one-row INSERT commits, best of 4/16/32 clients; with a NOTIFY in each (as the triggers do): ${fmtNumber(notifying.commitsPerSecond)} (${notifying.clients} clients)`,
      unit: "commits/s",
      tuned: commits.commitsPerSecond,
    },
  ];
}
