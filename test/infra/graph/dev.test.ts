import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LINKS } from "@wfc/core";
import { beforeAll, describe, expect, it } from "vitest";
import { API_HANDLER, API_LIVE_FUNCTION } from "../../../infra/api-function.js";
import { connectionBudget } from "../../../infra/connection-budget.js";
import { API_DATABASE_ROLE, RELAY_PORT } from "../../../infra/worker-container.js";
import { sstLinkEnv } from "@wfc/local-stack/sst-links";
import { evaluateStack } from "../support/evaluate.js";
import { API_LINKS, StackGraph, T } from "../support/graph.js";
import { MOCK, mockId } from "../support/mocks.js";

// `sst dev`: what it deploys (a bridge for the API function, no database or container) and what
// it runs locally (the worker, with links), evaluated like `sst deploy` under Pulumi's mocks.
const root = fileURLToPath(new URL("../../../", import.meta.url));
let g: StackGraph;

beforeAll(async () => {
  g = new StackGraph(await evaluateStack({ stage: "dev", dev: true }));
  console.log(g.summary("sst dev --stage dev"));
}, 120_000);

const devCommand = (name: string) => g.one(T.devCommand, name).outputs!._dev;

describe("sst dev", () => {
  it("deploys no database, container, image or worker secret", () => {
    for (const type of [
      T.dbInstance,
      T.dbProxy,
      T.ecsService,
      T.taskDefinition,
      T.image,
      T.ssmParameter,
    ]) {
      expect(g.all(type)).toEqual([]);
    }
  });

  it("runs the API function locally with the same handler and links", () => {
    expect(g.evaluation.builds).toEqual([]);
    expect(g.evaluation.devTargets).toEqual(
      ["Api", API_LIVE_FUNCTION].map((functionID) => ({
        functionID,
        handler: API_HANDLER,
        links: API_LINKS,
      })),
    );
    // The deployed stand-in is SST's bridge, outside any VPC.
    expect(g.apiFunction().inputs).toMatchObject({ handler: "bootstrap" });
    expect(g.apiFunction().inputs.vpcConfig).toBeUndefined();
  });

  it("runs the worker entry the local stack runs, linked to the database and the tokens' key ring", () => {
    const worker = devCommand("WorkerDev");
    expect(worker).toMatchObject({
      command: "node --import tsx functions/worker/src/main.ts",
      directory: ".",
      // TOKEN_KEYS, as the API's: the worker signs the approval links minted inside workflows.
      links: ["Database", LINKS.tokenKeys],
      autostart: true,
    });
    // Where those links point: the stage's deployed gateway, which the local API function serves.
    expect(worker.environment.PUBLIC_API_URL).toBe(
      `https://${mockId("HttpApi")}.execute-api.${MOCK.region}.amazonaws.com/dev/`,
    );
    expect(existsSync(join(root, "functions/worker/src/main.ts"))).toBe(true);
  });

  it("links the API to the same local PostgreSQL as its own role, created by the local worker", () => {
    const master = g.one(T.linkRef, "DatabaseLinkRef").inputs.properties;
    const api = g.one(T.linkRef, "ApiDatabaseLinkRef").inputs.properties;
    expect(api).toEqual({
      host: master.host,
      port: master.port,
      database: master.database,
      username: API_DATABASE_ROLE,
      password: MOCK.apiPassword,
    });
    // `sst dev` deploys no task definition: the local worker gets the password as a variable.
    expect(devCommand("WorkerDev").environment).toMatchObject({
      API_DATABASE_ROLE,
      API_DATABASE_PASSWORD: MOCK.apiPassword,
      API_DATABASE_CONNECTION_LIMIT: String(connectionBudget(false).apiRoleConnectionLimit),
    });
  });

  it("keeps the change relay on loopback, where the local API function finds it with its secret", () => {
    expect(devCommand("WorkerDev").environment).toMatchObject({
      RELAY_HOST: "127.0.0.1",
      RELAY_PORT: String(RELAY_PORT),
      CHANGE_RELAY_SECRET: MOCK.relaySecret,
    });
    expect(g.one(T.linkRef, "ChangeRelaySecretLinkRef").inputs.properties).toEqual({
      value: MOCK.relaySecret,
    });
    expect(g.apiFunction().inputs.environment.variables.CHANGE_RELAY_URL).toBe(
      `http://127.0.0.1:${RELAY_PORT}`,
    );
  });

  it("points the database link at the PostgreSQL npm start runs, as npm start links it", () => {
    const link = g.one(T.linkRef, "DatabaseLinkRef").inputs.properties;
    const local = sstLinkEnv("postgresql://postgres:postgres@127.0.0.1:54329/dbos");
    expect({ ...link, type: "sst.aws.Postgres" }).toEqual(JSON.parse(local.SST_RESOURCE_Database!));
    expect(devCommand("DatabaseDev").command).toBe("sst print-and-not-quit");
  });
});
