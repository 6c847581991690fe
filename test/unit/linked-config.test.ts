import { ConfigError, withLinkedSettings } from "@wfc/core";
import { describe, expect, it } from "vitest";
import { apiConfig } from "../../functions/api/src/config.js";
import { workerConfig } from "../../functions/worker/src/config.js";
import { sstLinkEnv } from "@wfc/local-stack/sst-links";
import { inFreshProcess } from "../support/fresh-process.js";

const linkedDatabase = {
  host: "db.internal",
  port: 5432,
  username: "postgres",
  password: "p@ss/word",
  database: "dbos",
  type: "sst.aws.Postgres",
};

describe("configuration from SST's linked resources", () => {
  it("connects to the linked database when no URL is set", () => {
    const config = workerConfig({}, { Database: linkedDatabase });
    expect(config.DBOS_SYSTEM_DATABASE_URL).toBe(
      "postgresql://postgres:p%40ss%2Fword@db.internal:5432/dbos",
    );
  });

  it("lets DBOS_SYSTEM_DATABASE_URL win over the linked database, unless it is empty", () => {
    const url = "postgres://me:secret@elsewhere:5433/other";
    const links = { Database: linkedDatabase };
    expect(apiConfig({ DBOS_SYSTEM_DATABASE_URL: url }, links).DBOS_SYSTEM_DATABASE_URL).toBe(url);
    expect(apiConfig({ DBOS_SYSTEM_DATABASE_URL: "" }, links).DBOS_SYSTEM_DATABASE_URL).toContain(
      "@db.internal:5432/dbos",
    );
  });

  it("connects the API as its own role through its ApiDatabase link, the worker as Database", () => {
    const apiDatabase = {
      ...linkedDatabase,
      host: "proxy.internal",
      username: "wfc_api",
      password: "api/pw",
      type: "sst.sst.Linkable",
    };
    // Only the API has the ApiDatabase link; a process with both still takes the API's.
    expect(apiConfig({}, { ApiDatabase: apiDatabase }).DBOS_SYSTEM_DATABASE_URL).toBe(
      "postgresql://wfc_api:api%2Fpw@proxy.internal:5432/dbos",
    );
    const both = { Database: linkedDatabase, ApiDatabase: apiDatabase };
    expect(apiConfig({}, both).DBOS_SYSTEM_DATABASE_URL).toContain("wfc_api:");
    expect(workerConfig({}, { Database: linkedDatabase }).DBOS_SYSTEM_DATABASE_URL).toContain(
      "postgres:p%40ss%2Fword@db.internal",
    );
    const url = "postgres://me:secret@elsewhere:5433/other";
    expect(apiConfig({ DBOS_SYSTEM_DATABASE_URL: url }, both).DBOS_SYSTEM_DATABASE_URL).toBe(url);
    expect(() => apiConfig({}, { ApiDatabase: { ...apiDatabase, host: "" } })).toThrow(
      /linked resource ApiDatabase\.host/,
    );
  });

  it("names the bad field of a malformed linked database", () => {
    const attempt = () => apiConfig({}, { Database: { ...linkedDatabase, port: "many" } });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/linked resource Database\.port/);
  });

  it("hands linked secrets over as API_KEYS, WEBHOOK_SECRET and CHANGE_RELAY_SECRET, which variables override", () => {
    const links = {
      ApiKeys: { value: "k1,k2" },
      WebhookSecret: { value: "whsec" },
      ChangeRelaySecret: { value: "relay" },
    };
    expect(withLinkedSettings({}, links)).toMatchObject({
      API_KEYS: "k1,k2",
      WEBHOOK_SECRET: "whsec",
      CHANGE_RELAY_SECRET: "relay",
    });
    expect(withLinkedSettings({ API_KEYS: "local" }, links).API_KEYS).toBe("local");
  });

  it("still reports a missing database by its variable name when nothing is linked", () => {
    expect(() => apiConfig({}, {})).toThrow(/DBOS_SYSTEM_DATABASE_URL/);
  });

  it("reads the SST_RESOURCE_* variables npm start sets, through Resource from sst", () => {
    // A fresh process: Resource reads the environment once, when first used.
    const env = { PATH: process.env.PATH, ...sstLinkEnv("postgresql://u:pw@127.0.0.1:54329/dbos") };
    const urls = inFreshProcess(
      [
        'import { workerConfig } from "./functions/worker/src/config.ts";',
        'import { apiConfig } from "./functions/api/src/config.ts";',
        "console.log(JSON.stringify([workerConfig().DBOS_SYSTEM_DATABASE_URL, apiConfig().DBOS_SYSTEM_DATABASE_URL]));",
      ],
      env,
    );
    expect(urls).toEqual([
      "postgresql://u:pw@127.0.0.1:54329/dbos",
      "postgresql://u:pw@127.0.0.1:54329/dbos",
    ]);
  });
});
