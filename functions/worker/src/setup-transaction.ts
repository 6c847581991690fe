import pg from "pg";

/**
 * Runs one piece of the worker's start-up set-up (tables, functions, triggers in our schema) in
 * a transaction on a connection of its own, closed afterwards: all or nothing, whatever fails.
 */
export async function inSetupTransaction(
  databaseUrl: string,
  work: (client: pg.Client) => Promise<void>,
) {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("BEGIN");
    await work(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
