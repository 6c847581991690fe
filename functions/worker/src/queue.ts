import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, QUEUE_NAME } from "@wfc/core";

/**
 * Creates or migrates the DBOS schema and registers our queue before `DBOS.launch()`. Launch
 * then discovers the queue at once; registered after launch, it would be picked up only at the
 * next reconcile (up to a second), delaying the first workflows of a fresh database.
 */
export async function prepareQueue(databaseUrl: string, minPollingIntervalMs: number) {
  await DBOS.migrate(databaseUrl);
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  try {
    await client.registerQueue(QUEUE_NAME, { minPollingIntervalMs, applicationName: APP_NAME });
  } finally {
    await client.destroy();
  }
}
