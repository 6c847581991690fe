// Everything both sides share, minus the workflow code: the API imports only this entry, so
// no workflow implementation is bundled into the Lambda. The worker imports "@wfc/core/workflows".
export * from "./contracts/index.js";
export * from "./config/index.js";
export { databaseUrlFor } from "./database-url.js";
export { LINKS, postgresUrlFromLink, withLinkedSettings } from "./linked-settings.js";
export * from "./errors.js";
export { readAllEvents, readEvent } from "./dbos/events.js";
export { readStreamSnapshot, readStreamTail, type StreamSnapshot } from "./dbos/streams.js";
export { decodeValue, isStreamEnd } from "./dbos/decode.js";
export { WFC_SCHEMA, type Queryable } from "./db/queryable.js";
export { DBOS_SCHEMA } from "./dbos/schema.js";
// Everything else that depends on DBOS's internals or system tables (dbos/README.md).
export {
  assertDbosContract,
  CHECKED_SDK_VERSION,
  DbosContractError,
  dbosSdkVersion,
  FORCE_MISSING_ENV,
  INTERNAL_DEPENDENCIES,
  internalProblems,
  runWithAbortableDbRetries,
} from "./dbos/internals.js";
export { dbosQueuePoller, type PollResult, type QueuePoller } from "./dbos/queue-poll.js";
export { recoverPendingWorkflows } from "./dbos/recovery.js";
export { createEnqueueTrigger, QUEUE_WAKE_CHANNEL } from "./dbos/enqueue-trigger.js";
export { readQueueBacklog, type QueueBacklog } from "./dbos/queue-backlog.js";
export {
  hasInFlight,
  readRetirementSignals,
  type RetirementSignals,
} from "./dbos/retirement-signals.js";
export { hasUndispatchedWork } from "./dbos/undispatched.js";
export { DBOS_API_GRANTS, grantApiRoleOnDbos } from "./dbos/api-grants.js";
export { SYSTEM_TABLE_COLUMNS, SYSTEM_TABLES_USED } from "./dbos/system-tables.js";
export {
  countSucceeded,
  isSendStatement,
  lockEventsTable,
  readDequeuedAt,
  readWorkflowTimestamps,
  type WorkflowTimestamps,
} from "./dbos/measurements.js";
export {
  DELIVERIES_TABLE,
  findDelivery,
  readDeliveredAt,
  type DeliveryRecord,
} from "./db/deliveries.js";
export { lockSetup, SETUP_LOCK_TABLE } from "./schema/setup-lock.js";
// The one owner of the wfc schema: its migrations and their runner (schema/runner.ts).
export { MIGRATIONS, MIGRATIONS_TABLE, type Migration } from "./schema/migrations.js";
export { applyMigrations, migrateSchema, type SchemaOptions } from "./schema/runner.js";
export { runSetup, StartupLockError, type SetupOptions } from "./schema/setup-transaction.js";
export {
  RECEIVES_TABLE,
  readWorkflowWait,
  type ReceiveState,
  type WorkflowWait,
} from "./dbos/receives.js";
export {
  readTokenRevocation,
  revokeTokens,
  TOKEN_REVOCATIONS_TABLE,
} from "./db/token-revocations.js";
export {
  ALIVE_WITHIN_SECONDS,
  EXECUTORS_TABLE,
  readRetiredVersion,
  retiredVersionSql,
} from "./dbos/executors.js";
export {
  CHANNELS,
  RECEIVE_CHANGED_CHANNEL,
  VALUE_CHANNELS,
  WORKFLOW_ENDED_CHANNEL,
  type Channel,
} from "./db/change-source.js";
export {
  ANNOUNCEMENT_KEY_TABLE,
  readAnnouncementKey,
  verifiedAnnouncement,
} from "./db/announcement-mac.js";
export {
  beforeDeadline,
  boundedQueries,
  DatabaseTimeoutError,
  FIRST_ATTEMPT_MS,
} from "./db/bounded-queries.js";
export { isDatabaseUnavailable, isTransactionConflict } from "./db/failures.js";
export { Backoff, WakeSignal } from "./db/signal.js";
export {
  FINAL_STATUSES,
  readWorkflowStatus,
  readWorkflowIdentity,
  isFinalStatus,
  type WorkflowIdentity,
} from "./dbos/workflow-status.js";
export { checkRepeatedStart, readStoredStart, type StoredStart } from "./dbos/workflow-start.js";
export {
  OUTCOME_POLL_MS,
  readWorkflowOutcome,
  waitForOutcome,
  type WorkflowOutcome,
} from "./dbos/workflow-outcome.js";
export {
  MAX_IN_FLIGHT_COUNTED,
  MAX_VERSIONS,
  LATEST_VERSION_BOUND_MS,
  readLatestVersion,
  readVersionsReport,
  type VersionSource,
} from "./dbos/versions.js";
export {
  createMessageStore,
  dbosMessageUuid,
  DELIVER_MESSAGE_FUNCTION,
  storeMessage,
  type MessageRefusal,
  type SerializedMessage,
  type StoreOutcome,
} from "./dbos/messages.js";
export {
  createNotifyTriggers,
  dropNotifyTriggers,
  notifierBatchMs,
  NOTIFY_TRIGGERS,
  WORKFLOW_ENDED_TRIGGER,
} from "./dbos/notify-triggers.js";
export {
  answerMessage,
  approvalFor,
  linkGrant,
  linkRequestSchema,
  type LinkRequest,
} from "./approvals.js";
