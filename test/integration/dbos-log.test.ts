import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME } from "@wfc/core";
import { beforeAll, expect, it } from "vitest";
import { dbosJsonLogger } from "../../functions/api/src/dbos-log.js";
import { createTestDatabase } from "../support/database.js";

// What the DBOS client logs in the API goes into the API's JSON-lines log: an error DBOS logs
// with a multi-line stack trace (here: a result poll whose client is shut down under it, as
// when the API replaces an idle pool) is one JSON line.
let url: string;

beforeAll(async () => {
  url = await createTestDatabase();
  await DBOS.migrate(url);
});

it("logs what DBOS reports as one JSON line per entry, without a stack trace", async () => {
  const lines: string[] = [];
  const client = await DBOSClient.create({
    systemDatabaseUrl: url,
    applicationName: APP_NAME,
    logger: dbosJsonLogger("info", (line) => lines.push(line)),
  });
  const polling = client
    .retrieveWorkflow("never-started")
    .getResult({ pollingIntervalMs: 20 })
    .catch((error: unknown) => error);
  await client.destroy();
  expect(await polling).toBeInstanceOf(Error);
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(entries).toContainEqual({
    level: "error",
    msg: expect.stringMatching(/^Exception from system database: /),
    source: "dbos",
  });
  // Each entry is its line, and none carries a stack frame.
  expect(lines.filter((line) => line.includes("\n"))).toEqual([]);
  expect(entries.filter((entry) => /\bat \S+ \(/.test(String(entry.msg)))).toEqual([]);
});

it("leaves out entries below its level, and stack frames inside a message", () => {
  const lines: string[] = [];
  const logger = dbosJsonLogger("warn", (line) => lines.push(line));
  logger.info("Registered new queue");
  // As DBOS words a start under another queue: its own stack inside the message.
  logger.warn(
    "Workflow (x) already exists in queue: a. Error\n    at f (/x/system_database.ts:1:2)",
  );
  expect(lines).toEqual([
    JSON.stringify({
      level: "warn",
      msg: "Workflow (x) already exists in queue: a. Error",
      source: "dbos",
    }),
  ]);
});
