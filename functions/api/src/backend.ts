import { DBOSClient, Error as DBOSErrors } from "@dbos-inc/dbos-sdk";
import {
  APP_NAME,
  ChangeFeed,
  ConflictError,
  followEvents,
  followStream,
  NotFoundError,
  QUEUE_NAME,
  readAllEvents,
  readStreamSnapshot,
  readWorkflowStatus,
  UnavailableError,
  waitForEvent,
  type EventsBatch,
  type StreamBatch,
  type StreamSnapshot,
} from "@wfc/core";
import pg from "pg";
import { withBoundedDbRetries } from "./bounded-retries.js";
import { createManagement, type WorkflowManagement } from "./management.js";

/** Everything the routes need from DBOS and Postgres; tests build it on a real database. */
export interface Backend {
  /** Enqueues a workflow by name; an existing ID returns the existing workflow, never a rerun. */
  start(workflowName: string, workflowId: string | undefined, args: unknown[]): Promise<string>;
  /** Waits up to `timeoutSeconds` for an event, waking on change; null when it is not set by then. */
  getEvent(
    workflowId: string,
    key: string,
    timeoutSeconds: number,
    signal?: AbortSignal,
  ): Promise<unknown>;
  allEvents(workflowId: string): Promise<Record<string, unknown>>;
  /** Sends a message; @throws NotFoundError when the workflow does not exist. */
  send(workflowId: string, message: unknown, topic: string, idempotencyKey?: string): Promise<void>;
  streamSnapshot(workflowId: string, key: string, offset: number): Promise<StreamSnapshot>;
  /** Follows a stream live until it closes or its workflow ends. */
  followStream(
    workflowId: string,
    key: string,
    fromOffset: number,
    signal: AbortSignal,
  ): AsyncGenerator<StreamBatch>;
  /** Follows a workflow's event changes live until it ends. */
  followEvents(workflowId: string, signal: AbortSignal): AsyncGenerator<EventsBatch>;
  /** The workflow's DBOS status, undefined if it does not exist. */
  status(workflowId: string): Promise<string | undefined>;
  /** Waits for a workflow's result, at most `timeoutSeconds`. */
  result(workflowId: string, timeoutSeconds: number): Promise<unknown>;
  /** Status, listing, cancel and resume. */
  workflows: WorkflowManagement;
  close(): Promise<void>;
}

export interface BackendOptions {
  databaseUrl: string;
  appVersion: string;
  poolSize: number;
  /** Re-read interval of live waiters without a notification (a safety net). */
  fallbackPollMs?: number;
  /** Use this pool instead of creating one (its size and settings are then the caller's). */
  pool?: pg.Pool;
}

// Only for `GET /` awaiting its root workflow's result (the SDK polls for results).
const RESULT_POLL_MS = 50;

/**
 * Builds the backend on one pg pool shared by the DBOS client and the SQL readers, plus one
 * LISTEN connection shared by every waiter: at most `poolSize + 1` connections per process
 * (per Lambda instance), however many requests wait. Nothing connects until a request needs it.
 */
export function createDbosBackend(options: BackendOptions): Backend {
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize,
      idleTimeoutMillis: 10_000,
      application_name: `${APP_NAME}-api`,
    });
  // An idle client dropped by the server (restart, failover) must not crash the process.
  pool.on("error", () => {});
  const feed = new ChangeFeed({
    connectionString: options.databaseUrl,
    applicationName: `${APP_NAME}-api-listen`,
  });
  const fallbackPollMs = options.fallbackPollMs ?? 2_000;
  let client: Promise<DBOSClient> | undefined;
  const dbos = () =>
    (client ??= DBOSClient.create({
      systemDatabaseUrl: options.databaseUrl,
      systemDatabasePool: pool,
      applicationName: APP_NAME,
    }));

  return {
    start: (workflowName, workflowId, args) =>
      translate(async () => {
        const client = await dbos();
        const handle = await withBoundedDbRetries(() =>
          client.enqueue(
            {
              queueName: QUEUE_NAME,
              workflowName,
              workflowID: workflowId,
              appVersion: options.appVersion,
            },
            ...args,
          ),
        );
        return handle.workflowID;
      }),
    getEvent: (workflowId, key, timeoutSeconds, signal) =>
      translate(async () => {
        const waitOptions = { timeoutMs: timeoutSeconds * 1000, fallbackPollMs, signal };
        const event = await waitForEvent(pool, feed, workflowId, key, waitOptions);
        return event.found ? event.value : null;
      }),
    allEvents: (workflowId) => translate(() => readAllEvents(pool, workflowId)),
    send: (workflowId, message, topic, idempotencyKey) =>
      translate(async () => {
        const client = await dbos();
        return withBoundedDbRetries(() => client.send(workflowId, message, topic, idempotencyKey));
      }),
    streamSnapshot: (workflowId, key, offset) =>
      translate(() => readStreamSnapshot(pool, workflowId, key, offset)),
    followStream: (workflowId, key, fromOffset, signal) =>
      followStream(pool, feed, workflowId, key, { fromOffset, pollMs: fallbackPollMs, signal }),
    followEvents: (workflowId, signal) =>
      followEvents(pool, feed, workflowId, { pollMs: fallbackPollMs, signal }),
    status: (workflowId) => translate(() => readWorkflowStatus(pool, workflowId)),
    workflows: translated(createManagement(dbos)),
    result: (workflowId, timeoutSeconds) =>
      translate(async () => {
        const handle = (await dbos()).retrieveWorkflow(workflowId);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new UnavailableError(
                  `Workflow ${workflowId} did not finish within ${timeoutSeconds}s; is a worker running?`,
                ),
              ),
            timeoutSeconds * 1000,
          );
        });
        try {
          return await Promise.race([
            handle.getResult({ pollingIntervalMs: RESULT_POLL_MS }),
            timeout,
          ]);
        } finally {
          clearTimeout(timer);
        }
      }),
    async close() {
      await feed.close();
      if (client) await (await client).destroy();
      await pool.end();
    },
  };
}

// Postgres SQLSTATE classes that mean "the database is not there (yet)", not "bad request".
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0)/;
const UNDEFINED_TABLE = "42P01";
const NETWORK_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE"]);

/** Runs a DBOS/pg call and translates what it throws into core's domain errors. */
/** Wraps every method of `target` in `translate`, with bounded database retries. */
function translated<T extends object>(target: T): T {
  return Object.fromEntries(
    Object.entries(target).map(([name, method]) => [
      name,
      (...args: unknown[]) =>
        translate(() =>
          withBoundedDbRetries(() => (method as (...a: unknown[]) => Promise<unknown>)(...args)),
        ),
    ]),
  ) as T;
}

export async function translate<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDomainError(error);
  }
}

function toDomainError(error: unknown): unknown {
  if (error instanceof DBOSErrors.DBOSConflictingWorkflowError) {
    return new ConflictError("This workflow_id is already used by a different kind of workflow", {
      cause: error,
    });
  }
  if (error instanceof DBOSErrors.DBOSNonExistentWorkflowError) {
    return new NotFoundError("Workflow not found", { cause: error });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === UNDEFINED_TABLE) {
    return new UnavailableError("The database is not initialised yet: start a worker first", {
      cause: error,
    });
  }
  if (typeof code === "string" && (UNAVAILABLE_SQLSTATE.test(code) || NETWORK_ERRORS.has(code))) {
    return new UnavailableError("The database is unavailable, retry shortly", { cause: error });
  }
  return error;
}
