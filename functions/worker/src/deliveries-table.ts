import { createDeliveriesTable, createMessageStore } from "@wfc/core";
import { inSetupTransaction } from "./setup-transaction.js";

/**
 * Creates the table the API records keyed messages in (`DELIVERIES_TABLE`), if missing, and the
 * function its sends store messages with (`STORE_MESSAGE_FUNCTION`): the worker owns our
 * schema, the API only reads, inserts and calls there. Safe for workers starting
 * together.
 */
export async function ensureDeliveriesTable(databaseUrl: string) {
  await inSetupTransaction(databaseUrl, async (client) => {
    await createDeliveriesTable(client);
    await createMessageStore(client);
  });
}
