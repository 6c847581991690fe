import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  databaseUrlFor,
  DEFAULT_APP_VERSION,
  loadApiConfig,
  loadWorkerConfig,
  notifierBatchMs,
} from "@wfc/core";
import { newTokenKey, parseKeyRing } from "@wfc/tokens";

const url = "postgres://u:p@localhost:5432/db";

describe("configuration", () => {
  it("applies the documented defaults when only the database is given", () => {
    const api = loadApiConfig({ DBOS_SYSTEM_DATABASE_URL: url });
    expect(api).toMatchObject({ PORT: 8000, DB_POOL_SIZE: 2, APP_VERSION: DEFAULT_APP_VERSION });
    const worker = loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url });
    expect(worker).toMatchObject({ RECV_TIMEOUT_SECONDS: 60, APP_VERSION: DEFAULT_APP_VERSION });
    expect(worker.EXECUTOR_ID.length).toBeGreaterThan(0);
  });

  it("fails with one message that names every bad variable", () => {
    const attempt = () =>
      loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: "mysql://x", RECV_TIMEOUT_SECONDS: "soon" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /DBOS_SYSTEM_DATABASE_URL.*RECV_TIMEOUT_SECONDS|RECV_TIMEOUT_SECONDS.*DBOS_SYSTEM_DATABASE_URL/,
    );
  });

  it("announces writes by trigger unless told not to, and batches DBOS's repeat of them for a second", () => {
    const worker = (env: Record<string, string> = {}) =>
      loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url, ...env });
    expect(worker().NOTIFY_TRIGGERS).toBe(true);
    expect(notifierBatchMs(worker())).toBe(1_000);
    expect(notifierBatchMs(worker({ NOTIFY_TRIGGERS: "false" }))).toBe(1);
    expect(notifierBatchMs(worker({ NOTIFICATION_COALESCE_MS: "10" }))).toBe(10);
    expect(() => worker({ NOTIFY_TRIGGERS: "yes" })).toThrow(
      /NOTIFY_TRIGGERS must be true or false/,
    );
  });

  it("reports a missing database URL by name", () => {
    expect(() => loadApiConfig({})).toThrow(/DBOS_SYSTEM_DATABASE_URL/);
  });

  it("treats empty variables as unset", () => {
    expect(loadApiConfig({ DBOS_SYSTEM_DATABASE_URL: url, PORT: "" }).PORT).toBe(8000);
  });

  it("bounds live feeds at 300 s by default, takes fractions, and refuses the 15-minute limit", () => {
    expect(loadApiConfig({ DBOS_SYSTEM_DATABASE_URL: url }).LIVE_FEED_MAX_SECONDS).toBe(300);
    const short = { DBOS_SYSTEM_DATABASE_URL: url, LIVE_FEED_MAX_SECONDS: "0.5" };
    expect(loadApiConfig(short).LIVE_FEED_MAX_SECONDS).toBe(0.5);
    for (const bad of ["0", "900", "soon"]) {
      const attempt = () =>
        loadApiConfig({ DBOS_SYSTEM_DATABASE_URL: url, LIVE_FEED_MAX_SECONDS: bad });
      expect(attempt).toThrow(/LIVE_FEED_MAX_SECONDS/);
    }
  });
});

describe("the webhook secret", () => {
  const withSecret = (secret: string) =>
    loadApiConfig({ DBOS_SYSTEM_DATABASE_URL: url, WEBHOOK_SECRET: secret }).WEBHOOK_SECRET;
  const random = (bytes: number) => randomBytes(bytes).toString("base64");

  it("takes whsec_ and the base64 of 24 or more random bytes, as Svix issues them", () => {
    for (const secret of [`whsec_${random(24)}`, `whsec_${random(32)}`, random(32)]) {
      expect(withSecret(secret)).toBe(secret);
    }
  });

  it.each([
    ["bad base64", "whsec_not*base64!at-all-0123456789"],
    ["unpadded base64", `whsec_${random(25).replace(/=+$/, "")}`],
    ["a 7-byte key", "whsec_AAAAAAAAAA"],
    ["23 random bytes", `whsec_${random(23)}`],
    ["a key of zeros", `whsec_${Buffer.alloc(32).toString("base64")}`],
  ])("refuses %s in one line naming WEBHOOK_SECRET, without the value", (_, secret) => {
    let message = "";
    try {
      withSecret(secret);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as ConfigError).message;
    }
    expect(message).toMatch(/^Invalid configuration: WEBHOOK_SECRET must be whsec_ followed by/);
    expect(message).not.toContain("\n");
    expect(message).not.toContain(secret.replace(/^whsec_/, ""));
  });
});

describe("the API database role settings", () => {
  it("default to role wfc_api, 20 connections, and no password (no role kept)", () => {
    const worker = loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url });
    expect(worker).toMatchObject({
      API_DATABASE_ROLE: "wfc_api",
      API_DATABASE_CONNECTION_LIMIT: 20,
    });
    expect(worker.API_DATABASE_PASSWORD).toBeUndefined();
  });

  it.each(["WFC_API", "wfc-api", 'x"; DROP ROLE postgres; --', "pg_monitor", "a".repeat(64)])(
    "refuses the role name %s",
    (name) => {
      expect(() =>
        loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url, API_DATABASE_ROLE: name }),
      ).toThrow(/API_DATABASE_ROLE/);
    },
  );

  it("refuses a short password without repeating it", () => {
    const attempt = () =>
      loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url, API_DATABASE_PASSWORD: "hunter2" });
    expect(attempt).toThrow(/API_DATABASE_PASSWORD/);
    expect(attempt).not.toThrow(/hunter2/);
  });
});

describe("the change relay settings", () => {
  const secret = "s".repeat(32);

  it("require the relay's secret on the API with a relay URL, and a long one", () => {
    const relay = { DBOS_SYSTEM_DATABASE_URL: url, CHANGE_RELAY_URL: "http://127.0.0.1:8003" };
    expect(() => loadApiConfig(relay)).toThrow(/CHANGE_RELAY_SECRET is required with/);
    expect(() => loadApiConfig({ ...relay, CHANGE_RELAY_SECRET: "short" })).toThrow(
      /CHANGE_RELAY_SECRET must be at least 32/,
    );
    expect(loadApiConfig({ ...relay, CHANGE_RELAY_SECRET: secret })).toMatchObject({
      CHANGE_RELAY_SECRET: secret,
    });
  });

  it("require a host name for a relay on every interface, and cap feeds at the API's limit", () => {
    const worker = { DBOS_SYSTEM_DATABASE_URL: url, CHANGE_RELAY_SECRET: secret };
    expect(loadWorkerConfig(worker)).toMatchObject({
      RELAY_ALLOWED_HOSTS: [],
      RELAY_MAX_ANSWERS: 1_000,
      RELAY_FEED_MAX_SECONDS: 840,
    });
    expect(() => loadWorkerConfig({ ...worker, RELAY_HOST: "0.0.0.0" })).toThrow(
      /RELAY_ALLOWED_HOSTS is required when RELAY_HOST is 0.0.0.0/,
    );
    expect(
      loadWorkerConfig({ ...worker, RELAY_HOST: "0.0.0.0", RELAY_ALLOWED_HOSTS: "relay.internal" }),
    ).toMatchObject({ RELAY_ALLOWED_HOSTS: ["relay.internal"] });
    expect(() => loadWorkerConfig({ ...worker, RELAY_FEED_MAX_SECONDS: "900" })).toThrow(
      /RELAY_FEED_MAX_SECONDS must be at most 840/,
    );
  });
});

describe("the release settings", () => {
  it("default to no registry entry, a check every 10 s and 60 s of quiet before retiring", () => {
    const worker = loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url });
    expect(worker).toMatchObject({ RETIRE_CHECK_INTERVAL_MS: 10_000, RETIRE_QUIET_MS: 60_000 });
    expect(worker.RELEASE_REGISTRY_PARAMETER).toBeUndefined();
  });

  it("takes an SSM parameter path as the registry entry", () => {
    const name = "/workflow-communication/production/worker-releases/2026.1";
    const worker = loadWorkerConfig({
      DBOS_SYSTEM_DATABASE_URL: url,
      RELEASE_REGISTRY_PARAMETER: name,
    });
    expect(worker.RELEASE_REGISTRY_PARAMETER).toBe(name);
  });

  it.each([
    ["RELEASE_REGISTRY_PARAMETER", "worker-releases/1"],
    ["RELEASE_REGISTRY_PARAMETER", "/a b/1"],
    ["RELEASE_REGISTRY_PARAMETER", `/${"a".repeat(1011)}`],
    ["RETIRE_CHECK_INTERVAL_MS", "0"],
    ["RETIRE_QUIET_MS", "-1"],
    ["RETIRE_QUIET_MS", "soon"],
  ])("refuses %s=%s at start-up, naming it", (name, value) => {
    expect(() => loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url, [name]: value })).toThrow(
      new RegExp(name),
    );
  });
});

describe("the worker's approval-link settings", () => {
  const apiUrl = "https://abc.execute-api.eu-west-1.amazonaws.com/production/";

  it("are off by default: no signing keys, no base URL", () => {
    const worker = loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url });
    expect(worker.TOKEN_KEYS).toBeUndefined();
    expect(worker.PUBLIC_API_URL).toBeUndefined();
  });

  it("read TOKEN_KEYS as the API reads it: the same ring, the newest key last", () => {
    const ring = `${newTokenKey("old")},${newTokenKey("new")}`;
    const worker = loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url, TOKEN_KEYS: ring });
    const api = loadApiConfig({ DBOS_SYSTEM_DATABASE_URL: url, TOKEN_KEYS: ring });
    expect(worker.TOKEN_KEYS).toEqual(parseKeyRing(ring));
    expect(api.TOKEN_KEYS).toEqual(worker.TOKEN_KEYS);
    expect(worker.TOKEN_KEYS!.keys.at(-1)!.kid).toBe("new");
  });

  it("refuse a bad key ring without repeating its secret", () => {
    const secret = "c2hvcnQ";
    const attempt = () =>
      loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url, TOKEN_KEYS: `k1:${secret}` });
    expect(attempt).toThrow(/TOKEN_KEYS/);
    expect(attempt).not.toThrow(new RegExp(secret));
  });

  it.each([
    [apiUrl, "https://abc.execute-api.eu-west-1.amazonaws.com/production"],
    ["http://localhost:8000", "http://localhost:8000"],
    ["http://localhost:8000/", "http://localhost:8000"],
    ["https://API.example.com/base//", "https://api.example.com/base"],
  ])("keep PUBLIC_API_URL=%s as %s, so a joined path has one slash", (given, kept) => {
    const worker = loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url, PUBLIC_API_URL: given });
    expect(worker.PUBLIC_API_URL).toBe(kept);
    expect(`${worker.PUBLIC_API_URL}/links/x`).not.toMatch(/[^:]\/\//);
  });

  it.each([
    ["a path alone", "/production"],
    ["another scheme", "ftp://example.com"],
    ["a query", "https://example.com/?a=1"],
    ["a fragment", "https://example.com/#top"],
    ["credentials", "https://user:pw@example.com"],
  ])("refuse PUBLIC_API_URL with %s, naming it", (_, value) => {
    expect(() =>
      loadWorkerConfig({ DBOS_SYSTEM_DATABASE_URL: url, PUBLIC_API_URL: value }),
    ).toThrow(/PUBLIC_API_URL/);
  });
});

describe("databaseUrlFor", () => {
  it("keeps host, port, database and options, and encodes any password", () => {
    const password = "p@ss:w/rd%#?é";
    const derived = new URL(
      databaseUrlFor(
        "postgresql://postgres:secret@db.internal:5433/dbos?sslmode=require",
        "wfc_api",
        password,
      ),
    );
    expect(derived.host).toBe("db.internal:5433");
    expect(derived.pathname).toBe("/dbos");
    expect(derived.searchParams.get("sslmode")).toBe("require");
    expect(derived.username).toBe("wfc_api");
    expect(decodeURIComponent(derived.password)).toBe(password);
  });
});
