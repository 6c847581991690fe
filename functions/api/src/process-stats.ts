import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * Prints one JSON line every `intervalMs`: resident and heap memory, and the event-loop delay
 * (p99, max) over that interval. For load tests and operators: a stall shows up here as it
 * happens. @returns a function that stops it.
 */
export function reportProcessStats(
  intervalMs: number,
  write = (line: string) => console.log(line),
) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    write(
      JSON.stringify({
        msg: "process stats",
        rssMb: Math.round((memory.rss / 2 ** 20) * 10) / 10,
        heapUsedMb: Math.round((memory.heapUsed / 2 ** 20) * 10) / 10,
        loopDelayP99Ms: Math.round(loop.percentile(99) / 1e5) / 10,
        loopDelayMaxMs: Math.round(loop.max / 1e5) / 10,
      }),
    );
    loop.reset();
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    loop.disable();
  };
}
