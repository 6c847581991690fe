import { createNotifyTriggers, dropNotifyTriggers } from "@wfc/core";
import { inSetupTransaction } from "./setup-transaction.js";

/**
 * Installs (or, when `enabled` is false, removes) the triggers that NOTIFY event and stream
 * writes in their own transaction (`createNotifyTriggers`). Runs after DBOS's migration and
 * before launch, so the first workflow's writes are announced by them. Gives up after `waitMs`
 * waiting for a lock (`StartupLockError`).
 */
export async function ensureNotifyTriggers(databaseUrl: string, enabled: boolean, waitMs: number) {
  await inSetupTransaction(databaseUrl, { what: "the notify triggers", waitMs }, (client) =>
    enabled ? createNotifyTriggers(client) : dropNotifyTriggers(client),
  );
}
