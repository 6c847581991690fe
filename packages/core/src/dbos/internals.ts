// The one file that imports the SDK's unsupported `internal/*` entries. What each is for, and
// what happens when an SDK no longer has it, is in README.md beside this file.
import { runWithAbortableDbRetries } from "@dbos-inc/dbos-sdk/internal/context";
import { DBOSExecutor } from "@dbos-inc/dbos-sdk/internal/dbos-executor";
import {
  DBOSJSON,
  deserializePositionalArgs,
  deserializeValue,
} from "@dbos-inc/dbos-sdk/internal/serialization";
import {
  isLegacyClosedSentinel,
  isStreamClosedSentinel,
} from "@dbos-inc/dbos-sdk/internal/system_database";
import { globalParams } from "@dbos-inc/dbos-sdk/internal/utils";
import { wfQueueRunner } from "@dbos-inc/dbos-sdk/internal/wfqueue";

export {
  DBOSExecutor,
  DBOSJSON,
  deserializePositionalArgs,
  deserializeValue,
  isLegacyClosedSentinel,
  isStreamClosedSentinel,
  runWithAbortableDbRetries,
  wfQueueRunner,
};

/** The SDK release this process runs (`globalParams.dbosVersion`, read from its package.json). */
export const dbosSdkVersion = (): string => String(globalParams?.dbosVersion ?? "unknown");

/** The SDK release these internals were written against and checked on. */
export const CHECKED_SDK_VERSION = "5.3.0";

/**
 * One internal the adapter uses: where it is, what it must be, and whether the product stops
 * without it (`required`: the worker refuses to start) or falls back (`optional`).
 */
export interface InternalDependency {
  name: string;
  need: "required" | "optional";
  /** The value the adapter reads, found anew on every check. */
  get(): unknown;
  type: "function" | "object" | "Map" | "boolean";
}

const runner = wfQueueRunner as unknown as Record<string, unknown> | undefined;
const executorPrototype = (DBOSExecutor as unknown as { prototype?: Record<string, unknown> })
  ?.prototype;

const dependency = (
  name: string,
  need: InternalDependency["need"],
  type: InternalDependency["type"],
  get: () => unknown,
): InternalDependency => ({ name, need, type, get });

const [R, O] = ["required", "optional"] as const;

/** Every internal the adapter relies on (README.md says why each). */
export const INTERNAL_DEPENDENCIES: readonly InternalDependency[] = [
  dependency("serialization.DBOSJSON", R, "object", () => DBOSJSON),
  dependency("serialization.deserializeValue", R, "function", () => deserializeValue),
  dependency(
    "serialization.deserializePositionalArgs",
    R,
    "function",
    () => deserializePositionalArgs,
  ),
  dependency("system_database.isStreamClosedSentinel", R, "function", () => isStreamClosedSentinel),
  dependency("system_database.isLegacyClosedSentinel", R, "function", () => isLegacyClosedSentinel),
  dependency("context.runWithAbortableDbRetries", R, "function", () => runWithAbortableDbRetries),
  dependency(
    "dbos-executor.DBOSExecutor.prototype.recoverPendingWorkflows",
    R,
    "function",
    () => executorPrototype?.recoverPendingWorkflows,
  ),
  dependency("wfqueue.wfQueueRunner.states", O, "Map", () => runner?.states),
  dependency("wfqueue.wfQueueRunner.pollQueue", O, "function", () => runner?.pollQueue),
  dependency("wfqueue.wfQueueRunner.isRunning", O, "boolean", () => runner?.isRunning),
];

/**
 * Names a dependency the check must treat as missing: only the test of the worker's refusal to
 * start sets it, so that the real check, on the real worker entry, is what reports.
 */
export const FORCE_MISSING_ENV = "WFC_TEST_DBOS_INTERNAL_MISSING";

function hasType(value: unknown, type: InternalDependency["type"]) {
  if (type === "Map") return value instanceof Map;
  if (type === "object") return typeof value === "object" && value !== null;
  return typeof value === type;
}

/** The dependencies this SDK does not satisfy, with what was expected of each. */
export function internalProblems(
  need?: InternalDependency["need"],
): { name: string; need: InternalDependency["need"]; expected: string }[] {
  const forced = process.env[FORCE_MISSING_ENV];
  return INTERNAL_DEPENDENCIES.filter((d) => need === undefined || d.need === need)
    .filter((d) => d.name === forced || !hasType(d.get(), d.type))
    .map((d) => ({ name: d.name, need: d.need, expected: d.type }));
}

/** Thrown at the worker's start-up when this SDK lacks an internal the product cannot do without. */
export class DbosContractError extends Error {
  constructor(missing: string[]) {
    super(
      `DBOS SDK ${dbosSdkVersion()} does not have what this release relies on ` +
        `(checked on ${CHECKED_SDK_VERSION}): ${missing.join(", ")}. Without it, dead workers' ` +
        "workflows would not be taken over or stored values not read; install the SDK version " +
        "package.json pins, or update packages/core/src/dbos/ (README.md there) for this one",
    );
    this.name = "DbosContractError";
  }
}

/** Throws `DbosContractError` unless every required internal is there with its expected type. */
export function assertDbosContract() {
  const missing = internalProblems("required").map((p) => `${p.name} (${p.expected})`);
  if (missing.length > 0) throw new DbosContractError(missing);
}
