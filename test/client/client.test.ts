import { createWorkflowClient } from "@wfc/client";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { scenarios } from "./scenarios.js";
import { startClientStack, type TransportKind } from "./stack.js";

let stack: Awaited<ReturnType<typeof startClientStack>>;

beforeAll(async () => {
  stack = await startClientStack(await createTestDatabase("client"));
});
afterAll(async () => {
  await stack?.stop();
});

describe.each<TransportKind>(["http", "lambda"])("the typed client over %s", (kind) => {
  it.concurrent.each(scenarios)("%s", async (_title, scenario) => {
    const transport = stack.transport(kind);
    await scenario({
      client: createWorkflowClient(transport),
      transport,
      withApiKey: (key) => stack.transport(kind, key),
      id: (name) => `client-${kind}-${name}`,
    });
  });
});
