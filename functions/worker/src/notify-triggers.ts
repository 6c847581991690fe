import { createNotifyTriggers, dropNotifyTriggers } from "@wfc/core";
import { inSetupTransaction } from "./setup-transaction.js";

/**
 * Installs (or, when `enabled` is false, removes) the triggers that NOTIFY event and stream
 * writes in their own transaction (`createNotifyTriggers`). Runs after DBOS's migration and
 * before launch, so the first workflow's writes are announced by them.
 */
export async function ensureNotifyTriggers(databaseUrl: string, enabled: boolean) {
  await inSetupTransaction(databaseUrl, (client) =>
    enabled ? createNotifyTriggers(client) : dropNotifyTriggers(client),
  );
}
