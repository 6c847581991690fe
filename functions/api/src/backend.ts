import {
  APP_NAME,
  beforeDeadline,
  boundedQueries,
  checkRepeatedStart,
  findDelivery,
  readDeliveredAt,
  QUEUE_NAME,
  readAllEvents,
  readStreamSnapshot,
  readStreamTail,
  readStoredStart,
  readWorkflowIdentity,
  readRetiredVersion,
  readTokenRevocation,
  revokeTokens,
  readVersionsReport,
  storeMessage,
  dbosMessageUuid,
  readWorkflowStatus,
  readWorkflowWait,
  UnavailableError,
  waitForOutcome,
  type DeliveryRecord,
  type MessageRefusal,
  type WorkflowIdentity,
  type StreamSnapshot,
  type VersionsReport,
} from "@wfc/core";
import { createWaits, LiveFeedLimits, type EventsBatch, type StreamBatch } from "@wfc/realtime";
import { Error as DBOSErrors } from "@dbos-inc/dbos-sdk";
import type pg from "pg";
import { withBoundedDbRetries } from "./bounded-retries.js";
import { createConnections } from "./connections.js";
import { createManagement, type WorkflowManagement } from "./management.js";
import type { LogLevel } from "./middleware/access-log.js";
import type { RevocationStore } from "./tokens/revocations.js";
import { toDomainError, translate } from "./domain-errors.js";

/** A message to store for a workflow. */
export interface Delivery {
  workflowId: string;
  message: unknown;
  topic: string;
  /** DBOS's idempotency key (DBOS scopes it to the workflow): a repeat stores nothing. */
  dbosKey?: string;
  /** Recorded in the same transaction as the message (see `DELIVERIES_TABLE`). */
  record?: DeliveryRecord;
}

/**
 * What a send found: the target's identity (undefined: none), an earlier keyed delivery, and,
 * when it was refused because the target's version has retired, that version and the API's, or
 * because the target's receive on the topic has timed out (`receiveClosed`).
 */
export interface SendOutcome {
  identity?: WorkflowIdentity;
  accepted: boolean;
  earlier?: DeliveryRecord;
  retired?: { version: string; current: string };
  receiveClosed: boolean;
}

/** Everything the routes need from DBOS and Postgres; tests build it on a real database. */
export interface Backend {
  /**
   * Enqueues a workflow by name; an existing ID started with the same arguments returns the
   * existing workflow, never a rerun.
   * @throws ConflictError when the ID is taken by another kind or by other arguments.
   */
  start(workflowName: string, workflowId: string | undefined, args: unknown[]): Promise<string>;
  /** Waits up to `timeoutSeconds` for an event, waking on change; null when it is not set by then. */
  getEvent(
    workflowId: string,
    key: string,
    timeoutSeconds: number,
    signal?: AbortSignal,
  ): Promise<unknown>;
  allEvents(workflowId: string): Promise<Record<string, unknown>>;
  /**
   * Stores a message, and its record if it has one, in one statement, unless `refusal` names
   * the workflow's status or name or its version has retired; nothing is stored for a workflow
   * that does not exist.
   * @returns the workflow's identity, whether it was accepted, and the record found under the
   *   delivery's key when there was one already (nothing is stored then).
   */
  send(delivery: Delivery, refusal: MessageRefusal): Promise<SendOutcome>;
  /** When the keyed message under `key` (a `DeliveryRecord`'s) was stored, if it was. */
  deliveredAt(key: string): Promise<Date | undefined>;
  streamSnapshot(workflowId: string, key: string, offset: number): Promise<StreamSnapshot>;
  /** The stream's last `count` values, from the offset where they begin. */
  streamTail(workflowId: string, key: string, count: number): Promise<StreamSnapshot>;
  /** Follows a stream live until it closes or its workflow ends. */
  followStream(
    workflowId: string,
    key: string,
    fromOffset: number,
    signal: AbortSignal,
  ): AsyncGenerator<StreamBatch>;
  /**
   * Takes a slot for a live feed of `workflowId` (see `LiveFeedLimits`).
   * @returns the function that gives it back when the feed is over.
   * @throws TooManyRequestsError when this process follows too many feeds, or of that workflow.
   */
  admitFeed(workflowId: string): () => void;
  /** Follows a workflow's event changes live until it ends. */
  followEvents(workflowId: string, signal: AbortSignal): AsyncGenerator<EventsBatch>;
  /** The workflow's DBOS status, undefined if it does not exist. */
  status(workflowId: string): Promise<string | undefined>;
  /** The workflow's status and stored name (its kind), undefined if it does not exist. */
  identity(workflowId: string): Promise<WorkflowIdentity | undefined>;
  /**
   * Waits for a workflow's result, at most `timeoutSeconds`, and no longer than `signal` (the
   * request: a client that leaves takes the wait with it).
   * @throws UnavailableError when it has not finished by then; Error when it did not succeed.
   */
  result(workflowId: string, timeoutSeconds: number, signal?: AbortSignal): Promise<unknown>;
  /** Status, listing, cancel and resume. */
  workflows: WorkflowManagement;
  /** Every application version with its in-flight counts: a release's progress. */
  versions(): Promise<VersionsReport>;
  /** When each workflow's capability tokens were revoked. */
  tokenRevocations: RevocationStore;
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
  /**
   * The change relay that answers waits and live feeds (`CHANGE_RELAY_URL`); unset, this
   * process LISTENs itself.
   */
  relayUrl?: string;
  /** What the relay wants as `Authorization: Bearer` (`CHANGE_RELAY_SECRET`); required with it. */
  relaySecret?: string;
  /** Longest any database call of a request may take before it is answered 503. */
  dbTimeoutMs?: number;
  /** How many live feeds this process follows at once (default: no limit). */
  feedLimits?: LiveFeedLimits;
  /** Longest a live feed waits out a database that is away (default `LIVE_OUTAGE_MS`). */
  liveOutageMs?: number;
  /** The lowest level the DBOS client logs at (default `info`). */
  logLevel?: LogLevel;
}

/** How far past its timeout a wait's last read may run (its answer is then still correct). */
const READ_MARGIN_MS = 500;

/**
 * Builds the backend on one pg pool shared by the DBOS client and the SQL readers. Waits go to
 * the change relay when `relayUrl` is given (Lambda: no LISTEN, no connection held while
 * waiting), else to one LISTEN connection shared by every waiter of this process. Every database
 * call is bounded by a deadline: an unreachable or stalled database is a 503, never a hang.
 * Nothing connects until a request needs it.
 */
export function createDbosBackend(options: BackendOptions): Backend {
  const dbTimeoutMs = options.dbTimeoutMs ?? 5_000;
  const relay = options.relayUrl
    ? { baseUrl: options.relayUrl, secret: options.relaySecret ?? "" }
    : undefined;
  if (relay && !relay.secret) throw new Error("a change relay needs its secret (relaySecret)");
  const connections = createConnections({
    databaseUrl: options.databaseUrl,
    poolSize: options.poolSize,
    connectTimeoutMs: dbTimeoutMs,
    pool: options.pool,
    logLevel: options.logLevel,
  });
  const feedLimits = options.feedLimits ?? new LiveFeedLimits(Infinity, Infinity);
  const delivery = createWaits({
    pool: () => connections.pool(),
    databaseUrl: options.databaseUrl,
    applicationName: `${APP_NAME}-api-listen`,
    ...(relay && { relay }),
    pollMs: options.fallbackPollMs ?? 2_000,
    queryTimeoutMs: dbTimeoutMs,
    readMarginMs: READ_MARGIN_MS,
    outageMs: options.liveOutageMs,
  });
  const waits = () => delivery.waits();
  const deadline = () => performance.now() + dbTimeoutMs;
  const reads = () => boundedQueries(connections.pool(), deadline());
  const dbos = () => connections.dbos();
  /** Marks one use of the connections (see `createConnections`); returns its end. */
  const hold = () => {
    connections.begin();
    return () => connections.end();
  };
  /** Runs `work` as one tracked use of the connections. */
  const withConnection = async <T>(work: () => Promise<T>): Promise<T> => {
    const release = hold();
    try {
      return await work();
    } finally {
      release();
    }
  };
  /** One call of a request: tracked, bounded, errors translated. */
  const call = <T>(work: () => Promise<T>): Promise<T> =>
    translate(() => withConnection(() => beforeDeadline(work(), deadline())));
  /** A live feed: tracked while it is followed, errors translated. */
  async function* live<T>(follow: () => AsyncGenerator<T>): AsyncGenerator<T> {
    const release = hold();
    try {
      yield* follow();
    } catch (error) {
      throw toDomainError(error);
    } finally {
      release();
    }
  }

  return {
    start: (workflowName, workflowId, args) =>
      call(async () => {
        const client = await dbos();
        try {
          const handle = await withBoundedDbRetries(() =>
            client.enqueue(
              {
                queueName: QUEUE_NAME,
                workflowName,
                workflowID: workflowId,
                appVersion: options.appVersion,
                // An existing ID is refused, not returned: it is then compared with this start
                // (the common first start costs no extra read). Its stored arguments are what
                // runs, also when a concurrent start won the insert.
                workflowIDReusePolicy: "reject",
              },
              ...args,
            ),
          );
          return handle.workflowID;
        } catch (error) {
          if (workflowId === undefined || !DBOSErrors.isWorkflowIDInUseError(error)) throw error;
          const stored = await readStoredStart(reads(), workflowId);
          // Deleted between the refusal and the read (retention): a retry starts it anew.
          if (!stored) {
            throw new UnavailableError(`Workflow '${workflowId}' was being deleted; retry`, {
              cause: error,
            });
          }
          checkRepeatedStart(workflowId, stored, workflowName, args);
          return workflowId;
        }
      }),
    getEvent: (workflowId, key, timeoutSeconds, signal) =>
      translate(() =>
        withConnection(async () => {
          const event = await waits().event(workflowId, key, timeoutSeconds * 1000, signal);
          return event.found ? event.value : null;
        }),
      ),
    allEvents: (workflowId) => call(() => readAllEvents(reads(), workflowId)),
    send: ({ workflowId, message, topic, dbosKey, record }, refusal) =>
      call(async () => {
        // The client's own serializer and DBOS's message_uuid form: the row `client.send` writes.
        const { serializer } = await dbos();
        const serialized = {
          workflowId,
          topic,
          message: await serializer.stringify(message),
          serialization: serializer.name(),
          messageUuid: dbosMessageUuid(workflowId, dbosKey),
        };
        const db = reads();
        const outcome = await storeMessage(db, serialized, refusal, options.appVersion, record);
        // A key taken before (or by a concurrent send) is read anew: this statement's snapshot
        // cannot see a record committed while it waited. A workflow that does not exist is a
        // 404 whatever its key says.
        const earlier =
          record && outcome.identity && !outcome.claimed
            ? await findDelivery(db, record.key)
            : undefined;
        const { identity, accepted, retiredVersion, receiveClosed } = outcome;
        const retired =
          retiredVersion === undefined
            ? undefined
            : { version: retiredVersion, current: options.appVersion };
        return { identity, accepted, earlier, retired, receiveClosed };
      }),
    deliveredAt: (key) => call(() => readDeliveredAt(reads(), key)),
    streamSnapshot: (workflowId, key, offset) =>
      call(() => readStreamSnapshot(reads(), workflowId, key, offset)),
    streamTail: (workflowId, key, count) =>
      call(() => readStreamTail(reads(), workflowId, key, count)),
    followStream: (workflowId, key, fromOffset, signal) =>
      live(() => waits().stream(workflowId, key, fromOffset, signal)),
    followEvents: (workflowId, signal) => live(() => waits().events(workflowId, signal)),
    admitFeed: (workflowId) => feedLimits.admit(workflowId),
    status: (workflowId) => call(() => readWorkflowStatus(reads(), workflowId)),
    identity: (workflowId) => call(() => readWorkflowIdentity(reads(), workflowId)),
    workflows: managed(
      createManagement(
        dbos,
        {
          currentVersion: options.appVersion,
          retiredVersionOf: (workflowId) =>
            readRetiredVersion(reads(), workflowId, options.appVersion),
        },
        async (workflowId) => (await readWorkflowWait(reads(), workflowId))?.waitingFor ?? null,
      ),
      call,
    ),
    versions: () => call(async () => readVersionsReport(reads(), await dbos())),
    tokenRevocations: {
      read: (workflowId) => call(() => readTokenRevocation(reads(), workflowId)),
      revoke: (workflowId) => call(() => revokeTokens(reads(), workflowId)),
    },
    result: (workflowId, timeoutSeconds, signal) =>
      translate(() =>
        withConnection(async () => {
          // Our own read, not the SDK's getResult: its poll runs on after the request has
          // ended (a race only stops waiting for it), until the workflow finishes.
          const timeoutMs = timeoutSeconds * 1000;
          const db = boundedQueries(
            connections.pool(),
            performance.now() + timeoutMs + READ_MARGIN_MS,
          );
          const outcome = await waitForOutcome(db, workflowId, { timeoutMs, signal });
          if (!outcome) {
            throw new UnavailableError(
              signal?.aborted
                ? `The client left before workflow ${workflowId} finished`
                : `Workflow ${workflowId} did not finish within ${timeoutSeconds}s; is a worker running?`,
            );
          }
          if (outcome.status !== "SUCCESS")
            throw new Error(`Workflow ${workflowId} ended ${outcome.status}`);
          return outcome.output;
        }),
      ),
    async close() {
      await delivery.close();
      await connections.close();
    },
  };
}

/** Runs every method of `target` as one bounded call, with bounded DBOS retries. */
function managed<T extends object>(target: T, call: <R>(work: () => Promise<R>) => Promise<R>): T {
  return Object.fromEntries(
    Object.entries(target).map(([name, method]) => [
      name,
      (...args: unknown[]) =>
        call(() =>
          withBoundedDbRetries(() => (method as (...a: unknown[]) => Promise<unknown>)(...args)),
        ),
    ]),
  ) as T;
}
