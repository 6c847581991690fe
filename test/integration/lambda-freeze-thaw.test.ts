import { DBOS } from "@dbos-inc/dbos-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { processState, startLambdaMode, type LambdaMode } from "../support/lambda-mode.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { startWorker, TEST_RELAY_SECRET, type TestWorker } from "../support/worker.js";

// Freeze/thaw on the deployed model: each environment is its own process, stopped (SIGSTOP)
// between invocations, its database connections going through a network path the test can break
// while it is frozen. A request after the thaw answers correctly, or 503, within its deadline.
let worker: TestWorker;
let proxy: TcpProxy;
let lambda: LambdaMode;
let url: string;

beforeAll(async () => {
  url = await createTestDatabase("thaw");
  await DBOS.migrate(url);
  worker = await startWorker(url, { RELAY_PORT: "0" });
  const target = new URL(url);
  proxy = await startTcpProxy(target.hostname, Number(target.port));
  lambda = await startLambdaMode(proxy.via(url), {
    LAMBDA_CONCURRENCY: "1",
    CHANGE_RELAY_URL: `http://127.0.0.1:${String((await worker.ready).relayPort)}`,
    CHANGE_RELAY_SECRET: TEST_RELAY_SECRET,
    LAMBDA_EXTRA_ENV: "CHANGE_RELAY_URL,CHANGE_RELAY_SECRET,DB_TIMEOUT_MS",
    DB_TIMEOUT_MS: "3000",
  });
});
afterAll(async () => {
  await lambda?.service.stop();
  await proxy?.close();
  await worker?.stop();
});

/** One request to the gateway, timed. */
async function timed(path: string, init?: RequestInit) {
  const started = performance.now();
  const response = await fetch(lambda.gateway + path, init);
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, ms: performance.now() - started };
}

/** Sets up a workflow, then leaves the (single) environment frozen with an idle connection. */
async function frozenWithConnection() {
  const id = `thaw-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  expect((await timed(`/start-workflow-events/${id}/1`, { method: "POST" })).status).toBe(200);
  expect((await timed(`/workflow-events/${id}/result?timeout=20`)).status).toBe(200);
  const [environment] = (await lambda.waitForStats((s) => s.frozen === 1)).environments;
  expect(await processState(environment!.pid!)).toBe("T");
  expect(proxy.connections()).toBeGreaterThan(0);
  return id;
}

describe("a request after a thaw whose connections died while frozen", () => {
  it("silently (no FIN, no RST: the path forgot them): the answer is still correct, in time", async () => {
    const id = await frozenWithConnection();
    // The old connections stay dead; new ones get through, as after a NAT or proxy timeout.
    proxy.blackhole();
    proxy.heal();
    const answer = await timed(`/workflow-events/${id}/all`);
    expect(answer.status).toBe(200);
    expect(answer.body.events).toMatchObject({ status: "completed", progress: 100 });
    expect(answer.ms).toBeLessThan(3_000 + 1_000);
  });

  it("with a reset: the answer is still correct, at once", async () => {
    const id = await frozenWithConnection();
    proxy.reset();
    const answer = await timed(`/workflow-events/${id}/status?timeout=0`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ workflow_id: id, event_key: "status", value: "completed" });
    expect(answer.ms).toBeLessThan(1_000);
  });

  it("and no way to the database at all: 503 by the deadline, never a hang", async () => {
    await frozenWithConnection();
    proxy.blackhole();
    try {
      const answer = await timed(`/workflow-events/nobody/all`);
      expect(answer.status).toBe(503);
      expect(answer.body.detail).toMatch(/database/i);
      expect(answer.ms).toBeLessThan(3_000 + 1_000);
    } finally {
      proxy.heal();
    }
  });
});
