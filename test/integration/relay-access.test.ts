import { request } from "node:http";
import { DBOS } from "@dbos-inc/dbos-sdk";
import { DBOS_SCHEMA, MAX_EVENT_TIMEOUT_SECONDS } from "@wfc/core";
import { RELAY_PATHS } from "@wfc/realtime";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { startWorker, TEST_RELAY_SECRET, type TestWorker } from "../support/worker.js";

// The change relay answers the API only: a request must carry the shared secret and name the
// relay's own host, waits and feeds are bounded, and failures are logged. All against a real
// worker process, over plain HTTP as anything on the network could send it.
const ALLOWED_NAME = "relay.internal.test";
let url: string;
let worker: TestWorker;
let port: number;
let admin: pg.Pool;

beforeAll(async () => {
  url = await createTestDatabase("wfc_relay_access");
  await DBOS.migrate(url);
  worker = await startWorker(url, {
    RELAY_ALLOWED_HOSTS: ALLOWED_NAME,
    RELAY_MAX_ANSWERS: "2",
    RELAY_FEED_MAX_SECONDS: "1",
    LOG_LEVEL: "info",
  });
  port = (await worker.ready).relayPort as number;
  admin = new pg.Pool({ connectionString: url, max: 2 });
});
afterAll(async () => {
  await admin?.end();
  await worker?.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The whole body, once it has ended. */
  body: Promise<string>;
  close(): void;
}

/** One GET to the relay with exactly `headers` (Host included), answered as soon as it starts. */
function relayGet(path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      const body = new Promise<string>((done) => {
        res.once("end", () => done(text));
        res.once("close", () => done(text));
      });
      resolve({ status: res.statusCode!, headers: res.headers, body, close: () => req.destroy() });
    });
    req.once("error", reject);
    req.end();
  });
}

const own = () => ({ host: `127.0.0.1:${port}`, authorization: `Bearer ${TEST_RELAY_SECRET}` });
const quickWait = `${RELAY_PATHS.event}?workflow_id=nobody&key=k&timeout_ms=0`;
const feed = `${RELAY_PATHS.events}?workflow_id=nobody-${Date.now()}`;

/** Waits for the worker to print a line containing `text`; returns it (its JSON). */
async function logged(text: string) {
  while (!worker.output.some((line) => line.includes(text)))
    await new Promise((resolve) => setTimeout(resolve, 20));
  const line = worker.output.find((l) => l.includes(text))!;
  return line.slice(line.indexOf("{"));
}

describe("who may use the change relay", () => {
  it("answers 401 without the secret or with a wrong one, and answers with it", async () => {
    for (const authorization of [undefined, "Bearer wrong", `Basic ${TEST_RELAY_SECRET}`]) {
      const headers: Record<string, string> = { host: own().host };
      if (authorization) headers.authorization = authorization;
      const answer = await relayGet(quickWait, headers);
      expect(answer.status).toBe(401);
      expect(answer.headers["www-authenticate"]).toBe("Bearer");
      expect(JSON.parse(await answer.body)).toEqual({
        detail: expect.stringContaining("CHANGE_RELAY_SECRET"),
      });
    }
    const answer = await relayGet(quickWait, own());
    expect(answer.status).toBe(200);
    expect(await answer.body).toContain('"t":"event"');
  });

  it("refuses any Host but its own address and the names it was given (DNS rebinding)", async () => {
    const rebound = await relayGet(quickWait, { ...own(), host: `attacker.example:${port}` });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(await rebound.body)).toHaveProperty("detail");
    const named = await relayGet(quickWait, { ...own(), host: `${ALLOWED_NAME}:${port}` });
    expect(named.status).toBe(200);
    await named.body;
  });
});

describe("what the relay holds", () => {
  it("refuses a wait longer than the API's longest with a 400", async () => {
    const tooLong = MAX_EVENT_TIMEOUT_SECONDS * 1000 + 1;
    const answer = await relayGet(
      `${RELAY_PATHS.event}?workflow_id=nobody&key=k&timeout_ms=${tooLong}`,
      own(),
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(await answer.body)).toEqual({
      detail: `timeout_ms must be at most ${MAX_EVENT_TIMEOUT_SECONDS * 1000}`,
    });
  });
});

describe("database failures", () => {
  it("are answered `unavailable` and logged as one JSON line without secrets", async () => {
    const holder = await admin.connect();
    try {
      // The relay's read waits behind this lock past its deadline (timeout 0 + its margin).
      await holder.query("BEGIN");
      await holder.query(`LOCK TABLE ${DBOS_SCHEMA}.workflow_events IN ACCESS EXCLUSIVE MODE`);
      const answer = await relayGet(quickWait, own());
      expect(await answer.body).toContain('"t":"unavailable"');
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    const line = await logged("relay read failed");
    expect(JSON.parse(line)).toMatchObject({
      level: "error",
      path: RELAY_PATHS.event,
      error: expect.any(String),
    });
    expect(line).not.toContain(TEST_RELAY_SECRET);
    expect(line).not.toContain(decodeURIComponent(new URL(url).password));
  });

  it("log a pool connection the database ended", async () => {
    // A read leaves its connection idle in the relay's pool, for the database to end.
    await (
      await relayGet(quickWait, own())
    ).body;
    const { rows } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'workflow-communication-relay'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.parse(await logged("relay pool connection lost"))).toMatchObject({
      level: "warn",
    });
  });
});

describe("how many answers the relay holds", () => {
  it("ends a live feed after its time and refuses answers beyond its cap with a logged 503", async () => {
    const first = await relayGet(feed, own());
    const second = await relayGet(feed, own());
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await relayGet(feed, own());
    expect(third.status).toBe(503);
    expect(JSON.parse(await third.body)).toEqual({ detail: expect.stringContaining("2 answers") });
    expect(JSON.parse(await logged("relay full"))).toMatchObject({ level: "warn", open: 2 });
    // RELAY_FEED_MAX_SECONDS is 1: both feeds end by themselves, and the relay takes more again.
    await Promise.all([first.body, second.body]);
    const after = await relayGet(quickWait, own());
    expect(after.status).toBe(200);
    await after.body;
  });
});
