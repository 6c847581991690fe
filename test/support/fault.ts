import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@wfc/local-stack/embedded-postgres";
import type { TestWorker } from "./worker.js";

/** Worker settings for fault tests: short heartbeats so takeovers happen within a test. */
export const FAST_LIVENESS = { HEARTBEAT_INTERVAL_MS: "200", EXECUTOR_DEAD_AFTER_MS: "1500" };

/**
 * A PostgreSQL of the test's own, so the test may restart it (or exhaust its connections)
 * without disturbing other files. `settings` override the server's defaults.
 */
export function startOwnCluster(settings: Record<string, string> = {}): Promise<EmbeddedDatabase> {
  const dataDir = join(mkdtempSync(join(tmpdir(), "wfc-fault-")), "pgdata");
  return startEmbeddedPostgres(dataDir, "dbos", () => {}, { settings });
}

/**
 * Re-checks `condition` every `intervalMs` until it returns a truthy value (returned), failing
 * after `timeoutMs` with `what`. For progress only visible in the database: each check is cheap.
 */
export async function until<T>(
  what: string,
  condition: () => Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 10 } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** SIGKILL: the process gets no chance to clean up, as when a container is killed. */
export async function kill(worker: TestWorker) {
  worker.child.kill("SIGKILL");
  await worker.exited;
}

export interface FaultSummary {
  faults: number;
  workflows: number;
  lost: number;
  duplicates: number;
  [extra: string]: number | string;
}

/** Prints the fault test's one-line summary, then asserts nothing was lost or duplicated. */
export function reportFaults(test: string, summary: FaultSummary) {
  const extra = Object.entries(summary)
    .filter(([k]) => !["faults", "workflows", "lost", "duplicates"].includes(k))
    .map(([k, v]) => `, ${k} ${v}`)
    .join("");
  console.log(
    `[fault] ${test}: faults injected ${summary.faults}, workflows checked ${summary.workflows}, ` +
      `values lost ${summary.lost}, duplicates ${summary.duplicates}${extra}`,
  );
  expect(summary.faults).toBeGreaterThan(0);
  expect(summary.workflows).toBeGreaterThan(0);
  expect(summary.lost).toBe(0);
  expect(summary.duplicates).toBe(0);
}
