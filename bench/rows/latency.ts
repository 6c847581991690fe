import type { ModeResult } from "../mode.js";
import type { Row } from "../report.js";
import { measured } from "../stats.js";

/** The latency rows, both sides: event wake, live stream, first progress, dispatch, message. */
export function latencyRows(baseline: ModeResult, tuned: ModeResult): Row[] {
  return [
    {
      metric: "event wake: setEvent -> blocked HTTP GET answers",
      unit: "ms",
      baseline: baseline.eventWake,
      tuned: tuned.eventWake,
      target: "p50 <= 5, p99 <= 15",
      met: tuned.eventWake.p50 <= 5 && tuned.eventWake.p99 <= 15,
    },
    {
      metric:
        "event wake, the first after the worker and API start (one sample, not in the row above)",
      unit: "ms",
      baseline: baseline.eventWakeFirst,
      tuned: tuned.eventWakeFirst,
    },
    {
      metric: "live stream: writeStream -> reader receives",
      unit: "ms",
      baseline: baseline.stream,
      tuned: tuned.stream,
      target: "p50 <= 5, p99 <= 15",
      met: tuned.stream.p50 <= 5 && tuned.stream.p99 <= 15,
    },
    {
      metric: "POST start -> first progress via blocked GET, starts 250 ms apart",
      unit: "ms",
      baseline: baseline.firstProgress,
      tuned: tuned.firstProgress,
      target: "p50 <= 20, p99 <= 60",
      met: tuned.firstProgress.p50 <= 20 && tuned.firstProgress.p99 <= 60,
    },
    {
      metric: `POST start -> first progress, back to back (each start on the previous answer; naive: ${baseline.firstProgressBackToBack.n} samples)`,
      unit: "ms",
      baseline: baseline.firstProgressBackToBack,
      tuned: tuned.firstProgressBackToBack,
      target: "p50 <= 20, p99 <= 60",
      met: tuned.firstProgressBackToBack.p50 <= 20 && tuned.firstProgressBackToBack.p99 <= 60,
    },
    {
      metric: "queue dispatch: enqueue -> first line",
      unit: "ms",
      baseline: baseline.dispatch,
      tuned: tuned.dispatch,
      target: "p50 <= 5, p99 <= 30",
      met: tuned.dispatch.p50 <= 5 && tuned.dispatch.p99 <= 30,
    },
    {
      metric: "message: POST send -> recv returns",
      unit: "ms",
      baseline: baseline.message,
      tuned: tuned.message,
      // The target: the naive in-process send plus the HTTP hop.
      target: `p50 <= naive + 1 (${(baseline.message.p50 + 1).toFixed(1)})`,
      met: tuned.message.p50 <= baseline.message.p50 + 1,
    },
  ];
}

/**
 * The note below the table: the slowest first-progress samples of each side, hop by hop; empty
 * when the first-progress rows were not run (`--only` may leave them out).
 */
export function slowestFirstProgressNotes(baseline: ModeResult, tuned: ModeResult): string {
  if (!measured(tuned.firstProgress)) return "";
  const slowest = (result: ModeResult) =>
    result.slowestFirstProgress.map(
      (h) =>
        `${h.total.toFixed(1)} = ${h.toEnqueued.toFixed(1)} + ${h.toDequeued.toFixed(1)} + ${h.toProgressWritten.toFixed(1)} + ${h.toAnswer.toFixed(1)}`,
    );
  return [
    "Slowest first-progress samples, ms: total = POST -> enqueued + -> dequeued + -> progress written + -> answered",
    `(database timestamps, 1 ms resolution). This system: ${slowest(tuned).join("; ")}. Baseline: ${slowest(baseline).join("; ")}.`,
  ].join("\n");
}
