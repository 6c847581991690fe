// Everything both sides share, minus the workflow code: the API imports only this entry, so
// no workflow implementation is bundled into the Lambda. The worker imports "@wfc/core/workflows".
export * from "./contracts/index.js";
export * from "./config.js";
export { databaseUrlFor } from "./database-url.js";
export { LINKS, postgresUrlFromLink, withLinkedSettings } from "./linked-settings.js";
export * from "./errors.js";
export { readAllEvents, readEvent } from "./db/events.js";
export { readStreamSnapshot, type StreamSnapshot } from "./db/streams.js";
export { decodeValue, isStreamEnd } from "./db/decode.js";
export { DBOS_SCHEMA, WFC_SCHEMA, type Queryable } from "./db/queryable.js";
export {
  createDeliveriesTable,
  DELIVERIES_TABLE,
  findDelivery,
  type DeliveryRecord,
} from "./db/deliveries.js";
export { lockSetup, SETUP_LOCK_TABLE } from "./db/setup-lock.js";
export { createReceivesTable, RECEIVES_TABLE, type ReceiveState } from "./db/receives.js";
export {
  createTokenRevocationsTable,
  readTokenRevocation,
  revokeTokens,
  TOKEN_REVOCATIONS_TABLE,
} from "./db/token-revocations.js";
export {
  ALIVE_WITHIN_SECONDS,
  createExecutorsTable,
  EXECUTORS_TABLE,
  readRetiredVersion,
  retiredVersionSql,
} from "./db/executors.js";
export {
  CHANNELS,
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
} from "./db/workflow-status.js";
export { checkRepeatedStart, readStoredStart, type StoredStart } from "./db/workflow-start.js";
export {
  OUTCOME_POLL_MS,
  readWorkflowOutcome,
  waitForOutcome,
  type WorkflowOutcome,
} from "./db/workflow-outcome.js";
export {
  MAX_IN_FLIGHT_COUNTED,
  MAX_VERSIONS,
  readLatestVersion,
  readVersionsReport,
} from "./db/versions.js";
export {
  createMessageStore,
  DELIVER_MESSAGE_FUNCTION,
  storeMessage,
  type MessageRefusal,
  type SerializedMessage,
  type StoreOutcome,
} from "./db/messages.js";
export {
  createNotifyTriggers,
  dropNotifyTriggers,
  notifierBatchMs,
  NOTIFY_TRIGGERS,
  WORKFLOW_ENDED_TRIGGER,
} from "./db/notify-triggers.js";
