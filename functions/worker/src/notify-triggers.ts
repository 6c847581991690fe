import { createNotifyTriggers, dropNotifyTriggers } from "@wfc/core";
import pg from "pg";

/**
 * Installs (or, when `enabled` is false, removes) the triggers that NOTIFY event and stream
 * writes in their own transaction (`createNotifyTriggers`). Runs after DBOS's migration and
 * before launch, so the first workflow's writes are announced by them.
 */
export async function ensureNotifyTriggers(databaseUrl: string, enabled: boolean) {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("BEGIN");
    await (enabled ? createNotifyTriggers(client) : dropNotifyTriggers(client));
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
