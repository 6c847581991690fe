import { createDeliveriesTable, createMessageStore } from "@wfc/core";
import pg from "pg";

/**
 * Creates the table the API records keyed messages in (`DELIVERIES_TABLE`), if missing, and the
 * function its sends store messages with (`STORE_MESSAGE_FUNCTION`): the worker owns our
 * schema, the API only reads, inserts and calls there. Safe for workers starting
 * together.
 */
export async function ensureDeliveriesTable(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("BEGIN");
    await createDeliveriesTable(client);
    await createMessageStore(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
