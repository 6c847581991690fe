import { afterAll, beforeAll, expect, it } from "vitest";
import type { EmbeddedDatabase } from "@wfc/local-stack/embedded-postgres";
import { createInspector, createTestApi } from "../support/api.js";
import { FAST_LIVENESS, reportFaults, startOwnCluster, until } from "../support/fault.js";
import { startWorker, type TestWorker } from "../support/worker.js";
import { checkApproved, checkEvents, checkStream, sum } from "../support/workflow-checks.js";

// The database restarts while clients keep calling: calls during the outage are answered 503
// with Retry-After (never 500), API and worker come back by themselves, and everything that was
// acknowledged with a 200 happens.
let cluster: EmbeddedDatabase;
let api: ReturnType<typeof createTestApi>;
let worker: TestWorker;

beforeAll(async () => {
  cluster = await startOwnCluster();
  worker = await startWorker(cluster.url, { EXECUTOR_ID: "fault-db", ...FAST_LIVENESS });
  api = createTestApi(cluster.url);
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await cluster?.stop();
});

type Kind = "events" | "streaming" | "messaging";
const STEPS: Record<Kind, number> = { events: 2, streaming: 3, messaging: 1 };
const KINDS: Kind[] = ["events", "streaming", "messaging"];

it("a database restart under load answers 503 with Retry-After and loses nothing acknowledged", async () => {
  const run = Date.now();
  const started = new Map<string, Kind>();
  const approved = new Set<string>();
  const answers = new Map<number, number>();
  const missingRetryAfter: string[] = [];
  let calls = 0;
  const call = async (method: "get" | "post", path: string, body?: unknown) => {
    calls++;
    const response = method === "get" ? await api.get(path) : await api.post(path, body);
    answers.set(response.status, (answers.get(response.status) ?? 0) + 1);
    if (response.status === 503 && !response.headers.get("retry-after"))
      missingRetryAfter.push(path);
    return response.status;
  };
  // One client loop: start a workflow, approve a started messaging workflow, read something.
  let loading = true;
  let okSinceRestart = 0;
  let restarted = false;
  const load = (async () => {
    for (let i = 0; loading; i++) {
      const kind = KINDS[i % 3]!;
      const id = `db-${kind}-${run}-${i}`;
      const pending = [...started].find(([w, k]) => k === "messaging" && !approved.has(w))?.[0];
      const [start, send] = await Promise.all([
        call("post", `/start-workflow-${kind}/${id}/${STEPS[kind]}`),
        pending ? call("post", `/send-message/${pending}`, { approved: true }) : undefined,
        call("get", `/workflow-stream/db-streaming-${run}-${i - 3}`),
        call("get", `/workflow-events/db-events-${run}-${i - 3}/all`),
      ]);
      if (start === 200) started.set(id, kind);
      if (send === 200) approved.add(pending!);
      if (restarted && start === 200) okSinceRestart++;
      // Pacing only: during the outage every call fails at once.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();

  await until("acknowledged starts before the restart", async () => started.size >= 6);
  const outageStarted = performance.now();
  await cluster.stop();
  // Down long enough that clients and the worker notice: 503s answered, heartbeats failing.
  await until("clients and worker seeing the outage", async () => {
    const failing = worker.output.some((l) => l.includes('"heartbeat failed"'));
    return (answers.get(503) ?? 0) >= 6 && failing;
  });
  await cluster.restart();
  const outageMs = performance.now() - outageStarted;
  restarted = true;
  await until("the API answering again", async () => okSinceRestart >= 6, { timeoutMs: 20_000 });
  const apiRecoveredMs = performance.now() - outageStarted;
  loading = false;
  await load;
  // A client whose approval got a 503 sends it again, as Retry-After says.
  for (const [id, kind] of started) {
    if (kind !== "messaging" || approved.has(id)) continue;
    await until(
      `approval of ${id} accepted`,
      async () => (await call("post", `/send-message/${id}`, { approved: true })) === 200,
    );
    approved.add(id);
  }

  const inspector = await createInspector(cluster.url);
  try {
    const tallies = await Promise.all(
      [...started].map(async ([id, kind]) => {
        const output = await inspector.result<any>(id);
        if (kind === "events") return checkEvents(api, id, STEPS.events, output);
        if (kind === "streaming") return checkStream(api, cluster.url, id, STEPS.streaming);
        return checkApproved(id, STEPS.messaging, output);
      }),
    );
    const tally = sum(tallies);
    expect(tally.problems).toEqual([]);
    expect(missingRetryAfter).toEqual([]);
    expect([...answers.keys()].sort()).toEqual([200, 503]);
    // The same worker process rode the outage out: DBOS retries its own database calls, and
    // the heartbeat came back.
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output.some((l) => l.includes('"heartbeat restored"'))).toBe(true);
    reportFaults("database restart under load", {
      faults: 1,
      workflows: started.size,
      lost: tally.lost,
      duplicates: tally.duplicates,
      calls,
      "answered 503": answers.get(503) ?? 0,
      "database down ms": Math.round(outageMs),
      "stop to API answering again ms": Math.round(apiRecoveredMs),
    });
  } finally {
    await inspector.close();
  }
});
