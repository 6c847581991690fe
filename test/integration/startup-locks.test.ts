import { DBOS } from "@dbos-inc/dbos-sdk";
import { databaseUrlFor } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withLockTimeout } from "../../functions/worker/src/queue.js";
import {
  apiRoleEnv,
  dropRole,
  sqlstateOf,
  testPassword,
  uniqueRoleName,
} from "../support/api-role.js";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// A worker's start-up waits for locks; the API's database role must not be able to hold one
// forever. It may take any advisory lock and every table lock its grants allow, so it is given
// those here, held in a transaction with its timeouts turned off (a role may change its own).
const role = uniqueRoleName("wfc_api_locks");
const password = testPassword();
const env = apiRoleEnv(role, password, 8);
// The advisory lock keys earlier releases serialised start-up on.
const ADVISORY_KEYS = [0x77666301, 0x77666302];
const run = Date.now();
let url: string;
let roleUrl: string;
let hostage: pg.Client | undefined;
const workers: TestWorker[] = [];

/** Settles with what `promise` gives, or with an Error once `ms` have passed. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<{ timedOut: true }>((resolve) =>
      setTimeout(() => resolve({ timedOut: true }), ms).unref(),
    ),
  ]);

/** Connects as the API role and takes every lock it can, until `hostage.end()`. */
async function holdEveryLock() {
  const client = new pg.Client({ connectionString: roleUrl });
  client.on("error", () => {});
  await client.connect();
  await client.query("SET idle_in_transaction_session_timeout = 0");
  await client.query("SET statement_timeout = 0");
  for (const key of ADVISORY_KEYS) await client.query("SELECT pg_advisory_lock($1)", [key]);
  await client.query("BEGIN");
  await client.query(`LOCK TABLE dbos.workflow_status, dbos.workflow_input, dbos.notifications,
    wfc.message_deliveries IN ROW EXCLUSIVE MODE`);
  await client.query(`LOCK TABLE dbos.workflow_output, dbos.workflow_events, dbos.streams,
    dbos.application_versions IN ACCESS SHARE MODE`);
  // What it may only read some columns of, it holds by reading them.
  await client.query("SELECT app_version, last_seen, retired_at FROM wfc.executors LIMIT 0");
  await client.query("SELECT workflow_id, topic, state FROM wfc.receives LIMIT 0");
  return client;
}

beforeAll(async () => {
  url = await createTestDatabase("wfc_locks");
  await DBOS.migrate(url);
  roleUrl = databaseUrlFor(url, role, password);
});

afterAll(async () => {
  await hostage?.end().catch(() => {});
  await Promise.all(workers.map((worker) => worker.stop()));
  if (url) await dropRole(role, [url]);
});

describe("worker start-up and the API's role", () => {
  it("several workers starting at once on a fresh database all start", async () => {
    workers.push(
      ...(await Promise.all(
        ["a", "b", "c"].map((id) => startWorker(url, { ...env, EXECUTOR_ID: `locks-${id}` })),
      )),
    );
    expect(workers).toHaveLength(3);
  });

  it("the API's role may not take the start-up lock", async () => {
    for (const mode of ["ACCESS SHARE", "EXCLUSIVE"])
      expect(
        await sqlstateOf(roleUrl, `BEGIN; LOCK TABLE wfc.setup_lock IN ${mode} MODE; COMMIT`),
      ).toBe("42501");
  });

  it("a worker restarts while the API's role holds every lock it may take, and runs work", async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    hostage = await holdEveryLock();
    const started = await within(startWorker(url, { ...env, EXECUTOR_ID: "locks-d" }), 25_000);
    expect(started).toHaveProperty("value");
    workers.push((started as { value: TestWorker }).value);

    const api = createTestApi(roleUrl);
    const inspector = await createInspector(url);
    try {
      const id = `locks-events-${run}`;
      expect((await api.post(`/start-workflow-events/${id}/1`)).status).toBe(200);
      expect(await inspector.result(id)).toHaveLength(1);
    } finally {
      await api.close();
      await inspector.close();
    }
  });

  it("a set-up the role's locks block gives up after STARTUP_LOCK_WAIT_MS, says why and exits 1", async () => {
    // A first install of the enqueue trigger must lock dbos.workflow_status, which the role holds.
    await hostage!.end();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query("DROP TRIGGER wfc_notify_workflow_enqueued ON dbos.workflow_status");
    } finally {
      await admin.end();
    }
    hostage = await holdEveryLock();
    const attempt = within(
      startWorker(url, { ...env, EXECUTOR_ID: "locks-e", STARTUP_LOCK_WAIT_MS: "1500" }),
      25_000,
    );
    // The running worker keeps working meanwhile: each attempt's wait is short.
    const api = createTestApi(roleUrl);
    const inspector = await createInspector(url);
    try {
      const id = `locks-during-${run}`;
      expect((await api.post(`/start-workflow-events/${id}/1`)).status).toBe(200);
      expect(await inspector.result(id)).toHaveLength(1);
    } finally {
      await api.close();
      await inspector.close();
    }
    const outcome = await attempt;
    expect(outcome).toHaveProperty("error");
    const message = String((outcome as { error: unknown }).error);
    expect(message).toContain("exited with code 1");
    expect(message).toContain("gave up on the enqueue trigger");
    expect(message).toContain("STARTUP_LOCK_WAIT_MS");

    await hostage!.end();
    hostage = undefined;
    workers.push(await startWorker(url, { ...env, EXECUTOR_ID: "locks-e" }));
  });

  it("DBOS's migration gets the lock timeout in its sessions' options", async () => {
    const named = new URL(url);
    named.searchParams.set("application_name", "x");
    const client = new pg.Client({ connectionString: withLockTimeout(named.toString(), 1234) });
    await client.connect();
    try {
      expect((await client.query("SHOW lock_timeout")).rows[0].lock_timeout).toBe("1234ms");
      expect((await client.query("SHOW application_name")).rows[0].application_name).toBe("x");
    } finally {
      await client.end();
    }
  });
});
