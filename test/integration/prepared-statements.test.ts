import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, kindNamed, QUEUE_NAME } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  preparingClient,
  StatementNames,
  systemPool,
} from "../../functions/worker/src/system-pool.js";
import { startLoggingCluster, type LoggingCluster } from "../support/logging-cluster.js";
import type { LoggedStatement } from "../support/statement-log.js";
import { startWorker } from "../support/worker.js";

// A cluster of the test's own logs every statement with its backend's application name and,
// for an extended-protocol statement, its name (`<unnamed>` when it has none): what the worker's
// DBOS connections send is read off the server, not off the client.
let logging: LoggingCluster;
let admin: pg.Client;

/** A fresh database of the cluster. */
async function database(name: string) {
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(logging.cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}

beforeAll(async () => {
  logging = await startLoggingCluster("prepared");
  admin = new pg.Client({ connectionString: logging.cluster.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await logging?.cluster.stop();
});

/**
 * Runs the seed's events workflow (setEvent, steps, a result) on a real worker started with
 * `env`, and returns its result and the parameterised statements its DBOS connections ran.
 */
async function runOnWorker(executorId: string, env: Record<string, string>) {
  const url = await database(executorId.replace(/-/g, "_"));
  const worker = await startWorker(url, { EXECUTOR_ID: executorId, ...env });
  const client = await DBOSClient.create({ systemDatabaseUrl: url, applicationName: APP_NAME });
  try {
    const workflowName = kindNamed("events").workflowName;
    const handle = await client.enqueue(
      { queueName: QUEUE_NAME, workflowName, workflowID: `${executorId}-wf` },
      3,
    );
    const result = await handle.getResult();
    const statements = (await logging.statements(admin)).filter(
      (s) => s.applicationName.startsWith(`dbos_transact_${executorId}_`) && s.portal,
    );
    return { result, statements };
  } finally {
    await client.destroy();
    await worker.stop();
  }
}

const isNamed = (s: LoggedStatement) => s.portal !== "<unnamed>";

describe("the worker's DBOS connections", () => {
  it("send DBOS's parameterised statements named, one name per text (PREPARED_STATEMENTS on, the default)", async () => {
    const { result, statements } = await runOnWorker("prepared-on", {});
    expect(result).toHaveLength(3);
    expect(statements.length).toBeGreaterThan(20);
    expect(statements.filter((s) => !isNamed(s)).map((s) => s.text)).toEqual([]);
    const textsByName = new Map<string, Set<string>>();
    for (const s of statements)
      textsByName.set(s.portal!, (textsByName.get(s.portal!) ?? new Set()).add(s.text));
    for (const [name, texts] of textsByName) {
      expect(name).toMatch(/^wfc_[0-9a-f]{24}$/);
      expect(texts.size, name).toBe(1);
    }
    // A named statement whose result columns change under it (a newer release's migration)
    // fails: only `*` can do that.
    expect(statements.filter((s) => /\b(SELECT|RETURNING)\s+\*/i.test(s.text))).toEqual([]);
    // The checkpoint after every step, and the event writes, run again and again under one name.
    const checkpoint = statements.filter((s) =>
      s.text.includes('INSERT INTO "dbos".operation_outputs'),
    );
    expect(checkpoint.length).toBeGreaterThan(5);
    expect(new Set(checkpoint.map((s) => s.portal)).size).toBe(1);
  });

  it("send them unnamed, as plain DBOS does, with PREPARED_STATEMENTS=off", async () => {
    const { result, statements } = await runOnWorker("prepared-off", {
      PREPARED_STATEMENTS: "off",
    });
    expect(result).toHaveLength(3);
    expect(statements.length).toBeGreaterThan(20);
    expect(statements.filter(isNamed)).toEqual([]);
  });
});

describe("preparingClient", () => {
  let url: string;
  beforeAll(async () => {
    url = await database("preparing_client");
  });

  /** A client of the preparing kind over `names`, connected; the caller ends it. */
  async function connect(names: StatementNames) {
    const client = new (preparingClient(names))({ connectionString: url });
    await client.connect();
    return client;
  }
  const prepared = async (client: pg.Client) =>
    (await client.query<{ name: string }>("SELECT name FROM pg_prepared_statements")).rows.map(
      (r) => r.name,
    );

  it("prepares a parameterised text once per connection and answers as an unnamed one would", async () => {
    const names = new StatementNames();
    const client = await connect(names);
    try {
      for (let i = 0; i < 3; i++) {
        const { rows } = await client.query("SELECT $1::int + 1 AS n", [i]);
        expect(rows).toEqual([{ n: i + 1 }]);
      }
      expect(await prepared(client)).toEqual([names.of("SELECT $1::int + 1 AS n")]);
      // A query config, as the bounded readers send (`query_timeout`), is named the same way.
      const config = { text: "SELECT $1::text AS s", values: ["x"], query_timeout: 5_000 };
      expect((await client.query(config)).rows).toEqual([{ s: "x" }]);
      expect(await prepared(client)).toContain(names.of(config.text));
      // No parameters: a simple query, nothing prepared.
      await client.query("SELECT 1");
      expect(names.size).toBe(2);
      expect(await prepared(client)).toHaveLength(2);
    } finally {
      await client.end();
    }
  });

  it("is what the worker's system pool connects with, under DBOS's limit on a transaction left idle", async () => {
    const pool = systemPool({
      databaseUrl: url,
      max: 1,
      applicationName: "system-pool-test",
      names: new StatementNames(),
    });
    try {
      const { rows } = await pool.query<{ limit: string }>(
        "SELECT current_setting('idle_in_transaction_session_timeout') AS limit WHERE $1",
        [true],
      );
      expect(rows).toEqual([{ limit: "1min" }]);
      const client = await pool.connect();
      try {
        expect(await prepared(client)).toHaveLength(1);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  it("names no more than its cap; later texts run unnamed", async () => {
    const client = await connect(new StatementNames(1));
    try {
      await client.query("SELECT $1::int AS a", [1]);
      const { rows } = await client.query("SELECT $1::int AS b", [2]);
      expect(rows).toEqual([{ b: 2 }]);
      expect(await prepared(client)).toHaveLength(1);
    } finally {
      await client.end();
    }
  });

  it("keeps a statement usable after it failed, after a rolled-back transaction and after DDL", async () => {
    const client = await connect(new StatementNames());
    try {
      await client.query("CREATE TABLE t (id int PRIMARY KEY, v text)");
      const insert = "INSERT INTO t (id, v) VALUES ($1, $2)";
      const select = "SELECT id, v FROM t WHERE id = $1";
      await client.query(insert, [1, "a"]);
      await expect(client.query(insert, [1, "dup"])).rejects.toMatchObject({ code: "23505" });
      await client.query("BEGIN");
      await client.query(insert, [2, "b"]);
      await client.query("ROLLBACK");
      await client.query("ALTER TABLE t ADD COLUMN w int");
      await client.query(insert, [3, "c"]);
      expect((await client.query(select, [1])).rows).toEqual([{ id: 1, v: "a" }]);
      expect((await client.query(select, [2])).rows).toEqual([]);
      expect((await client.query(select, [3])).rows).toEqual([{ id: 3, v: "c" }]);
    } finally {
      await client.end();
    }
  });
});
