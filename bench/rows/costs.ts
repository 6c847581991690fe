import type { Sizes } from "../measures.js";
import type { ModeResult } from "../mode.js";
import type { Row } from "../report.js";

/** The standing costs, both sides: an API process's connections under waiters, an idle worker's. */
export function costRows(sizes: Sizes, baseline: ModeResult, tuned: ModeResult): Row[] {
  return [
    {
      metric: `DB connections per API process, ${sizes.waiters} waiters`,
      unit: "connections",
      baseline: baseline.connections,
      tuned: tuned.connections,
      target: "<= 3",
      met: tuned.connections <= 3,
    },
    {
      metric: "idle database load of the worker's polling",
      unit: "transactions/s",
      baseline: baseline.idleTps,
      tuned: tuned.idleTps,
      // A 5 s window holds one heartbeat more or less: +-0.4/s between identical workers.
      target: "<= naive baseline's (DBOS's 1 s polling) + 0.5",
      met: tuned.idleTps <= baseline.idleTps + 0.5,
    },
    {
      metric: "idle worker CPU",
      unit: "% of a core",
      baseline: baseline.idleCpuPercent,
      tuned: tuned.idleCpuPercent,
    },
  ];
}
