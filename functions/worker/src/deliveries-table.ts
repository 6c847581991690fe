import { createDeliveriesTable, createMessageStore } from "@wfc/core";
import { inSetupTransaction } from "./setup-transaction.js";

/**
 * Creates the table the API records keyed messages in (`DELIVERIES_TABLE`), if missing, and the
 * function its sends store messages with (`STORE_MESSAGE_FUNCTION`): the worker owns our
 * schema, the API only reads, inserts and calls there. Safe for workers starting
 * together; gives up after `waitMs` waiting for a lock (`StartupLockError`).
 */
export async function ensureDeliveriesTable(databaseUrl: string, waitMs: number) {
  await inSetupTransaction(
    databaseUrl,
    { what: "the deliveries table", waitMs },
    async (client) => {
      await createDeliveriesTable(client);
      await createMessageStore(client);
    },
  );
}
