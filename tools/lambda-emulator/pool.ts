import { Environment, type EnvironmentOptions, type EnvironmentState } from "./environment.js";
import { Invocation, ThrottledError, type InvocationSink } from "./invocation.js";
import type { InitTimings } from "./runtime/protocol.js";

/** How the pool runs one function's environments. */
export interface PoolOptions extends EnvironmentOptions {
  /** Reserved concurrency: invocations running (or starting) at once; beyond it, throttled. */
  concurrency: number;
  /** A frozen environment unused this long is reaped (SIGKILL). */
  idleMs: number;
}

/** One cold start: process spawn -> the first answer of its first invocation. */
export interface ColdStart {
  environment: number;
  firstAnswerMs: number;
  /** Spawn -> Node reached the runtime's code, and -> the handler module was loaded. */
  nodeStartMs?: number;
  importMs?: number;
}

/** What the pool has done so far and what it holds now (`GET /__local/stats`). */
export interface PoolStats {
  concurrency: number;
  invocations: number;
  coldStarts: number;
  /** Medians over every cold start so far (ms). */
  coldStartMs: { firstAnswer: number | null; nodeStart: number | null; import: number | null };
  recentColdStarts: ColdStart[];
  starting: number;
  /** Running an invocation, or just done with one and not yet asking for the next. */
  busy: number;
  frozen: number;
  throttled: number;
  reaped: number;
  timedOut: number;
  environments: {
    index: number;
    pid: number | undefined;
    state: EnvironmentState;
    invocations: number;
  }[];
}

const median = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const KEPT_COLD_STARTS = 100;

/**
 * Lambda's scaling model for one function: one invocation at a time per environment; a frozen
 * environment is reused (the most recently frozen first), otherwise a new one starts (a cold
 * start) unless `concurrency` are already busy, in which case the invocation is throttled.
 * Frozen environments are reaped after `idleMs`.
 */
export class EnvironmentPool {
  private readonly live = new Set<Environment>();
  private readonly frozen: Environment[] = [];
  private readonly idleTimers = new Map<Environment, NodeJS.Timeout>();
  private readonly coldStarts: ColdStart[] = [];
  private next = 1;
  private counts = { invocations: 0, coldStarts: 0, throttled: 0, reaped: 0, timedOut: 0 };
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /**
   * Runs one invocation; its response goes to `sink` as the function writes it. A caller that
   * goes away does not stop it: Lambda runs the handler to its end.
   * @throws ThrottledError when `concurrency` invocations are already running.
   */
  invoke(payload: Buffer, sink: InvocationSink): Invocation {
    const invocation = new Invocation(payload, sink);
    const warm = this.frozen.pop();
    if (warm) {
      clearTimeout(this.idleTimers.get(warm));
      this.idleTimers.delete(warm);
      this.counts.invocations += 1;
      warm.assign(invocation);
      return invocation;
    }
    // One whose response just ended gets it as soon as its runtime asks for the next: locally
    // the client hears the end sooner than the runtime's `next` arrives, which on Lambda the
    // network hides; sequential requests reuse one environment there too.
    const finishing = [...this.live].find((e) => e.state === "finishing");
    if (finishing) {
      this.counts.invocations += 1;
      finishing.queue(invocation);
      return invocation;
    }
    if (this.closed || this.live.size >= this.options.concurrency) {
      this.counts.throttled += 1;
      throw new ThrottledError(this.options.concurrency);
    }
    this.counts.invocations += 1;
    this.counts.coldStarts += 1;
    const environment = new Environment(this.next++, this.options, this.events, invocation);
    this.live.add(environment);
    environment.start().catch((error: unknown) => {
      this.live.delete(environment);
      invocation.end({ errorType: "Runtime.StartError", errorMessage: String(error) });
    });
    return invocation;
  }

  stats(): PoolStats {
    const environments = [...this.live].map((e) => ({
      index: e.index,
      pid: e.pid,
      state: e.state,
      invocations: e.invocations,
    }));
    const count = (state: EnvironmentState) => environments.filter((e) => e.state === state).length;
    const values = (key: "firstAnswerMs" | "nodeStartMs" | "importMs") =>
      this.coldStarts.flatMap((c) => (c[key] === undefined ? [] : [c[key]]));
    return {
      concurrency: this.options.concurrency,
      ...this.counts,
      coldStartMs: {
        firstAnswer: median(values("firstAnswerMs")),
        nodeStart: median(values("nodeStartMs")),
        import: median(values("importMs")),
      },
      recentColdStarts: this.coldStarts.slice(-10),
      starting: count("starting"),
      busy: count("busy") + count("finishing"),
      frozen: count("frozen"),
      environments,
    };
  }

  /**
   * Kills every environment and resolves once all have exited; later invocations are throttled.
   */
  async close() {
    this.closed = true;
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    const exits = [...this.live].map((environment) => environment.exited);
    for (const environment of this.live) environment.kill();
    await Promise.all(exits);
  }

  private readonly events = {
    frozen: (environment: Environment) => {
      this.frozen.push(environment);
      const timer = setTimeout(() => {
        this.frozen.splice(this.frozen.indexOf(environment), 1);
        this.idleTimers.delete(environment);
        this.counts.reaped += 1;
        this.options.output(
          `[env ${environment.index}] reaped after ${this.options.idleMs} ms idle`,
        );
        environment.kill();
      }, this.options.idleMs);
      this.idleTimers.set(environment, timer);
    },
    timedOut: () => {
      this.counts.timedOut += 1;
    },
    coldStart: (environment: Environment, firstAnswerMs: number, timings?: InitTimings) => {
      this.coldStarts.push({ environment: environment.index, firstAnswerMs, ...timings });
      if (this.coldStarts.length > KEPT_COLD_STARTS) this.coldStarts.shift();
    },
    exited: (environment: Environment) => {
      this.live.delete(environment);
      clearTimeout(this.idleTimers.get(environment));
      this.idleTimers.delete(environment);
      const at = this.frozen.indexOf(environment);
      if (at >= 0) this.frozen.splice(at, 1);
    },
  };
}
