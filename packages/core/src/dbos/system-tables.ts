import { DBOS_API_GRANTS } from "./api-grants.js";
import { NOTIFY_TRIGGERS } from "./notify-triggers.js";

/**
 * Every column of DBOS's system tables that this folder's SQL reads, writes, locks or triggers
 * on, with its PostgreSQL type (`information_schema.columns.data_type`), as SDK 5.3.0's
 * migration creates it. Written down so the contract test (test/integration/dbos-contract.test.ts)
 * can hold a freshly migrated database against it: an SDK that renames, drops or retypes one
 * fails there, not in production. README.md says which file uses which.
 */
export const SYSTEM_TABLE_COLUMNS: Record<string, Record<string, string>> = {
  workflow_status: {
    workflow_uuid: "text",
    status: "text",
    name: "text",
    serialization: "text",
    output: "text",
    application_version: "text",
    application_name: "text",
    queue_name: "text",
    created_at: "bigint",
    updated_at: "bigint",
    started_at_epoch_ms: "bigint",
    // Granted to the API role (`DBOS_API_GRANTS`): the columns cancel and resume update.
    owner_xid: "text",
    deduplication_id: "text",
    completed_at: "bigint",
    recovery_attempts: "bigint",
    workflow_deadline_epoch_ms: "bigint",
    creator_xid: "text",
  },
  workflow_input: { workflow_uuid: "text", inputs: "text" },
  workflow_output: { workflow_uuid: "text", output: "text" },
  workflow_events: { workflow_uuid: "text", key: "text", value: "text", serialization: "text" },
  streams: {
    workflow_uuid: "text",
    key: "text",
    value: "text",
    serialization: "text",
    offset: "integer",
    function_id: "integer",
  },
  notifications: {
    destination_uuid: "text",
    topic: "text",
    message: "text",
    serialization: "text",
    message_uuid: "text",
  },
  application_versions: {
    version_name: "text",
    application_name: "text",
    created_at: "bigint",
    version_timestamp: "bigint",
  },
  // Read by the benchmark only (`measurements.ts`).
  operation_outputs: {
    workflow_uuid: "text",
    function_id: "integer",
    completed_at_epoch_ms: "bigint",
  },
};

/** The DBOS tables something of ours is attached to or granted on, for the contract test. */
export const SYSTEM_TABLES_USED = [
  ...new Set([
    ...Object.keys(SYSTEM_TABLE_COLUMNS),
    ...Object.keys(DBOS_API_GRANTS),
    ...NOTIFY_TRIGGERS.map((t) => t.table.split(".")[1]!),
  ]),
];
