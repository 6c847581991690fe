import {
  createDeliveriesTable,
  createMessageStore,
  createReceivesTable,
  createTokenRevocationsTable,
} from "@wfc/core";
import { inSetupTransaction } from "./setup-transaction.js";

/**
 * Creates what messages rely on, if missing: the table the API records keyed messages in
 * (`DELIVERIES_TABLE`), the one receives record their state in (`RECEIVES_TABLE`) and the
 * function the API's sends store messages with (`DELIVER_MESSAGE_FUNCTION`), which reads both,
 * and the token revocations (`TOKEN_REVOCATIONS_TABLE`), which the API reads and writes:
 * the worker owns our schema, the API only reads, inserts and calls there. Call it before
 * `DBOS.launch()`, so that the first workflow to receive, and the first send after it, find
 * them. Safe for workers starting together; gives up after `waitMs` waiting for a lock
 * (`StartupLockError`).
 */
export async function ensureMessageTables(databaseUrl: string, waitMs: number) {
  await inSetupTransaction(databaseUrl, { what: "the message tables", waitMs }, async (client) => {
    await createDeliveriesTable(client);
    await createReceivesTable(client);
    await createMessageStore(client);
    await createTokenRevocationsTable(client);
  });
}
