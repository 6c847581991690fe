import { databaseUrlFor } from "@wfc/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DB_RETRY_BOUND_MS } from "../../functions/api/src/bounded-retries.js";
import type { EmbeddedDatabase } from "@wfc/local-stack/embedded-postgres";
import { apiRoleEnv, connectionsOf, testPassword, uniqueRoleName } from "../support/api-role.js";
import { createInspector, createTestApi } from "../support/api.js";
import { startOwnCluster } from "../support/fault.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Issue 10, item 5: API load against a small max_connections never starves the worker. Many
// API environments (each its own pool and LISTEN connection, as Lambda environments are, and
// each keeping its connections between requests, as a frozen environment does) flood a server of
// 40 connections; the API role's limit keeps them to 10, so the excess is answered 503 at once
// while every workflow the worker runs still finishes.
//
// As on Lambda, an environment serves one request at a time and a concurrency limit bounds how
// many run at once. That limit is part of the budget too: a connection attempt the role's limit
// refuses still holds a server slot while it authenticates, so unbounded attempts (measured: 90
// at once) fill max_connections and even the superuser gets "too many clients".
const MAX_CONNECTIONS = 40;
const ROLE_LIMIT = 10;
const ENVIRONMENTS = 30;
/** Lambda's concurrency limit: at most 2 connection attempts each (pool + LISTEN). */
const CONCURRENCY = 8;
const FLOOD_MS = 4_000;

const role = uniqueRoleName("wfc_api_flood");
const password = testPassword();
const run = Date.now();
let cluster: EmbeddedDatabase;
let worker: TestWorker;
let admin: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;

beforeAll(async () => {
  cluster = await startOwnCluster({ max_connections: String(MAX_CONNECTIONS) });
  worker = await startWorker(cluster.url, apiRoleEnv(role, password, ROLE_LIMIT));
  admin = createTestApi(cluster.url);
  inspector = await createInspector(cluster.url);
}, 120_000);

afterAll(async () => {
  await admin?.close();
  await inspector?.close();
  await worker?.stop();
  await cluster?.stop();
});

it("answers the excess 503 and never starves the worker's workflows", async () => {
  const started: string[] = [];
  const start = async (kind: "events" | "streaming", id: string) => {
    expect((await admin.post(`/start-workflow-${kind}/${id}/1`)).status).toBe(200);
    started.push(id);
  };
  for (let i = 0; i < 5; i++) {
    await start("events", `before-events-${run}-${i}`);
    await start("streaming", `before-stream-${run}-${i}`);
  }

  const roleUrl = databaseUrlFor(cluster.url, role, password);
  const environments = Array.from({ length: ENVIRONMENTS }, () =>
    createTestApi(roleUrl, { log: () => {} }, { poolSize: 2 }),
  );
  const statuses = new Map<number, number>();
  const floodStarted: string[] = [];
  let slowest503 = 0;
  let missingRetryAfter = 0;
  let peakRoleConnections = 0;
  const deadline = performance.now() + FLOOD_MS;

  const sampling = (async () => {
    while (performance.now() < deadline) {
      peakRoleConnections = Math.max(peakRoleConnections, await connectionsOf(cluster.url, role));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const during = (async () => {
    for (let i = 0; performance.now() < deadline; i++) {
      await start("events", `during-events-${run}-${i}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const busy = new Set<number>();
  const loop = async (slot: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      // The next request goes to any environment not serving one (Lambda's routing).
      const free = environments.map((_, e) => e).filter((e) => !busy.has(e));
      const e = free[Math.floor(Math.random() * free.length)]!;
      busy.add(e);
      const api = environments[e]!;
      const target = `before-events-${run}-${i % 5}`;
      const newId = `flood-${run}-${slot}-${i}`;
      const requests = [
        () => api.get(`/workflow-events/${target}/all`),
        () => api.get(`/workflow-stream/before-stream-${run}-${i % 5}`),
        () => api.get(`/workflow-events/${target}/result?timeout=1`),
        () => api.post(`/start-workflow-events/${newId}/1`),
      ];
      const began = performance.now();
      try {
        const answer = await requests[i % requests.length]!();
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 503) {
          slowest503 = Math.max(slowest503, performance.now() - began);
          if (answer.headers.get("retry-after") !== "1") missingRetryAfter++;
        }
        if (answer.status === 200 && i % requests.length === 3) floodStarted.push(newId);
      } finally {
        busy.delete(e);
      }
    }
  };
  // Settled, not raced: nothing may still be using an environment when they are closed.
  const outcomes = await Promise.allSettled([
    sampling,
    during,
    ...Array.from({ length: CONCURRENCY }, (_, slot) => loop(slot)),
  ]);
  await Promise.all(environments.map((api) => api.close()));
  for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;

  const finished = await Promise.all(
    [...started, ...floodStarted].map(async (id) => {
      await inspector.result(id);
      return inspector.status(id);
    }),
  );
  const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
  console.log(
    `[api-role] flood: ${ENVIRONMENTS} environments, ${CONCURRENCY} requests at once ` +
      `for ${FLOOD_MS} ms against max_connections=${MAX_CONNECTIONS}, role limit ` +
      `${ROLE_LIMIT}: ${answered} answers ${JSON.stringify(Object.fromEntries(statuses))}, ` +
      `slowest 503 ${Math.round(slowest503)} ms, peak role connections ${peakRoleConnections}, ` +
      `workflows finished ${finished.length} (${started.length} started by the admin side)`,
  );

  expect([...statuses.keys()].every((status) => [200, 404, 503].includes(status))).toBe(true);
  expect(statuses.get(200)).toBeGreaterThan(0);
  expect(statuses.get(503)).toBeGreaterThan(0);
  expect(missingRetryAfter).toBe(0);
  // A read is refused at once; DBOSClient calls retry a refused connection for the bound first.
  expect(slowest503).toBeLessThan(DB_RETRY_BOUND_MS + 1_500);
  expect(peakRoleConnections).toBeLessThanOrEqual(ROLE_LIMIT);
  expect(finished.every((status) => status === "SUCCESS")).toBe(true);
  expect(worker.output.join("\n")).not.toMatch(/too many (clients|connections)/);
});
