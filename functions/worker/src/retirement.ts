import {
  hasInFlight,
  readRetirementSignals,
  type Queryable,
  type RetirementSignals,
  type VersionSource,
} from "@wfc/core";

/**
 * A worker of `appVersion` may retire when (a) another version is DBOS's latest (a newer release
 * has launched), (b) the newest workflow is of another version (the API has switched: new starts
 * are stamped with the new version) and (c) nothing of its own version is in flight. The current
 * version's workers never retire: (a) is false for them.
 */
export const mayRetire = (signals: RetirementSignals, appVersion: string) =>
  signals.latest !== undefined &&
  signals.latest !== appVersion &&
  signals.newest !== undefined &&
  signals.newest !== appVersion &&
  !signals.inFlight;

/**
 * Deletes a release-registry parameter from SSM (`AWS_ENDPOINT_URL_SSM`, region and credentials
 * come from the environment, as the SDK reads them). One already gone counts as deleted.
 * Loaded on first use: a worker that never retires never loads the SDK.
 */
export async function deleteRegistryParameter(name: string): Promise<void> {
  const { DeleteParameterCommand, ParameterNotFound, SSMClient } =
    await import("@aws-sdk/client-ssm");
  const client = new SSMClient({});
  try {
    await client.send(new DeleteParameterCommand({ Name: name }));
  } catch (error) {
    if (!(error instanceof ParameterNotFound)) throw error;
  } finally {
    client.destroy();
  }
}

export interface RetirementOptions {
  /** Where the signals are read: a connection this worker keeps anyway (its heartbeat's). */
  db: Queryable;
  /** Where DBOS's latest version is read (`DBOS`, launched). */
  versions: VersionSource;
  appVersion: string;
  /** Milliseconds between checks. */
  intervalMs: number;
  /** How long every check must have found the conditions true before the worker retires. */
  quietMs: number;
  /** This version's release-registry parameter, deleted once retired; unset: none. */
  registryParameter?: string;
  /** Stops everything that runs this version's workflows (DBOS); called once. */
  shutdown: () => Promise<void>;
  /**
   * Records that this worker retires (true) or, called off, does not (false), where the API
   * reads it (`retiredVersionSql`); unset: nothing is recorded.
   */
  recordRetirement?: (retired: boolean) => Promise<void>;
  /** Called once retired, after the last read of `db`. */
  onRetired?: () => Promise<void>;
  deleteParameter?: (name: string) => Promise<void>;
  log?: (line: Record<string, unknown>) => void;
}

/** The running check; `retired` turns true once, `stop()` ends checks and deletion retries. */
export interface Retirement {
  readonly retired: boolean;
  stop(): Promise<void>;
}

/**
 * Checks every `intervalMs` whether this worker's version may retire (`mayRetire`); once the
 * conditions have held at every check for `quietMs` (a failed read starts the wait over), it
 * records that it retires, so the API stops resuming or messaging this version's workflows, and
 * reads the version's work in flight again: work that arrived before the API saw the record (a
 * resume) calls the retirement off (the API, for its part, undoes a resume that saw it only
 * afterwards). Then it retires: shuts DBOS down, deletes its registry parameter (retried every
 * interval until it is gone, so the next deploy removes the service) and logs
 * `{"msg":"worker retired"}`. The process
 * stays up, healthy and idle: a container that exited would be restarted by ECS, relaunch its
 * version and retire again, in a loop.
 */
export function startRetirement(options: RetirementOptions): Retirement {
  const { appVersion, intervalMs, quietMs } = options;
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const deleteParameter = options.deleteParameter ?? deleteRegistryParameter;

  let retired = false;
  let stopped = false;
  let heldSince: number | undefined;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const schedule = (work: () => Promise<void>) => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = work();
    }, intervalMs);
  };

  const removeParameter = async (name: string) => {
    try {
      await deleteParameter(name);
      log({ msg: "release registry entry deleted", appVersion, parameter: name });
    } catch (error) {
      log({ msg: "release registry delete failed", parameter: name, error: String(error) });
      schedule(() => removeParameter(name));
    }
  };

  const record = options.recordRetirement ?? (async () => {});
  // Recorded and neither retired nor taken back yet: a check takes it back before anything else.
  let recorded = false;

  /** Records the retirement; false (taken back) when work of this version is in flight now. */
  const announce = async () => {
    recorded = true;
    await record(true);
    if (!(await hasInFlight(options.db, appVersion))) return true;
    await record(false);
    recorded = false;
    log({ msg: "retirement called off: work arrived", appVersion });
    return false;
  };

  const retire = async () => {
    await options.shutdown();
    retired = true;
    // The quiet period makes this zero; a straggler that still arrived needs an operator (fork).
    const workLeft = await hasInFlight(options.db, appVersion).catch(() => undefined);
    await options.onRetired?.();
    log({ msg: "worker retired", appVersion, at: Date.now(), workLeft });
    if (options.registryParameter) await removeParameter(options.registryParameter);
  };

  const check = async () => {
    try {
      if (recorded) {
        await record(false);
        recorded = false;
      }
      const signals = await readRetirementSignals(options.db, options.versions, appVersion);
      failing = false;
      if (!mayRetire(signals, appVersion)) heldSince = undefined;
      else {
        heldSince ??= performance.now();
        if (performance.now() - heldSince >= quietMs) {
          if (await announce()) {
            // Once: a half-done retirement is not retried (its log line says what failed).
            return await retire().catch((error: unknown) =>
              log({ msg: "retirement failed", appVersion, error: String(error) }),
            );
          }
          heldSince = undefined;
        }
      }
    } catch (error) {
      // Unknown is not quiet: the wait starts over once the database answers again.
      heldSince = undefined;
      if (!failing) log({ msg: "retirement check failed", error: String(error) });
      failing = true;
    }
    schedule(check);
  };
  schedule(check);

  return {
    get retired() {
      return retired;
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
