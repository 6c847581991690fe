/**
 * Where a version stands in a release: `current` is DBOS's latest (new workers register there),
 * `draining` an older one with workflows still in flight, `drained` an older one with none, and
 * `unregistered` a version workflows are stamped with that no worker has launched yet (nothing
 * can run them until one does).
 */
export const VERSION_STATES = ["current", "draining", "drained", "unregistered"] as const;
export type VersionState = (typeof VERSION_STATES)[number];

/** One application version and its in-flight workflows. */
export interface VersionSummary {
  version: string;
  /** Whether DBOS treats it as the latest version (the newest first launch). */
  latest: boolean;
  state: VersionState;
  /** When a worker first launched it; null for `unregistered`. */
  registered_at: string | null;
  /** Workflows dequeued and running (or waiting, e.g. in `recv`). */
  pending: number;
  /** Workflows waiting on the queue for a worker of this version. */
  enqueued: number;
}

/** What `GET /versions` answers. */
export interface VersionsReport {
  /** DBOS's latest version; null before any worker has launched. */
  latest: string | null;
  versions: VersionSummary[];
}
