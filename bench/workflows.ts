import { DBOS } from "@dbos-inc/dbos-sdk";
import { DEFAULT_STREAM, DEFAULT_TOPIC } from "@wfc/core";

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const now = () => performance.timeOrigin + performance.now();

/**
 * Instrumented workflows for the benchmark only: each records, in the value it publishes, the
 * moment it acted, so a client can measure how long the value took to reach it.
 */
export const BENCH = {
  eventWake: "bench_event_wake",
  eventProfile: "bench_event_profile",
  stream: "bench_stream",
  dispatch: "bench_dispatch",
  recv: "bench_recv",
  throughput: "bench_throughput",
} as const;

/** Registers the benchmark workflows; call before `DBOS.launch()`. */
export function registerBenchWorkflows() {
  // Waits for "go" n times; each time sets event k<i> to the moment it did.
  DBOS.registerWorkflow(
    async (n: number) => {
      for (let i = 0; i < n; i++) {
        await DBOS.recv("go", { timeoutSeconds: 60 });
        await DBOS.setEvent(`k${i}`, now());
      }
    },
    { name: BENCH.eventWake },
  );

  // As eventWake, and also notes when each setEvent returned; publishes those moments at the end
  // (as "returned"), so the profile splits the worker's write from what follows it.
  DBOS.registerWorkflow(
    async (n: number) => {
      const returned: number[] = [];
      for (let i = 0; i < n; i++) {
        await DBOS.recv("go", { timeoutSeconds: 60 });
        await DBOS.setEvent(`k${i}`, now());
        returned.push(now());
      }
      await DBOS.setEvent("returned", returned);
    },
    { name: BENCH.eventProfile },
  );

  // Writes n values, intervalMs apart, each carrying the moment it was written; then closes.
  DBOS.registerWorkflow(
    async (n: number, intervalMs: number) => {
      for (let i = 0; i < n; i++) {
        await DBOS.sleep(intervalMs);
        await DBOS.writeStream(DEFAULT_STREAM, { i, t: now() });
      }
      await DBOS.closeStream(DEFAULT_STREAM);
    },
    { name: BENCH.stream },
  );

  // Publishes the moment its first line ran.
  DBOS.registerWorkflow(
    async () => {
      const startedAt = now();
      await DBOS.setEvent("started", startedAt);
    },
    { name: BENCH.dispatch },
  );

  // Receives n messages on the seed's topic; publishes when each arrived.
  DBOS.registerWorkflow(
    async (n: number) => {
      for (let i = 0; i < n; i++) {
        await DBOS.recv(DEFAULT_TOPIC, { timeoutSeconds: 60 });
        await DBOS.setEvent(`r${i}`, now());
      }
    },
    { name: BENCH.recv },
  );

  // The baseline's throughput shape: two trivial steps and one event.
  const step = DBOS.registerStep(async (x: number) => x + 1, { name: "bench_step" });
  DBOS.registerWorkflow(
    async (x: number) => {
      const y = await step(await step(x));
      await DBOS.setEvent("done", y);
      return y;
    },
    { name: BENCH.throughput },
  );
}
