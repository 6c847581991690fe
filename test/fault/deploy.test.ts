import { afterAll, beforeAll, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { FAST_LIVENESS, reportFaults, until } from "../support/fault.js";
import { startWorker, type TestWorker } from "../support/worker.js";
import { checkApproved, checkEvents, checkStream, sum } from "../support/workflow-checks.js";

// A deploy: ECS sends SIGTERM to the old task and starts a new one under a new executor ID. What
// does not finish within the grace period stays PENDING and is taken over by the new worker.
const EVENTS_STEPS = 12;
const STREAM_STEPS = 20;
const GRACE_MS = 300;
const env = (id: string) => ({
  EXECUTOR_ID: id,
  FIBONACCI_THREADS: "1",
  SHUTDOWN_GRACE_MS: String(GRACE_MS),
  ...FAST_LIVENESS,
});

let url: string;
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
const workers: TestWorker[] = [];

beforeAll(async () => {
  url = await createTestDatabase("fault_deploy");
  workers.push(await startWorker(url, env("deploy-old")));
  api = createTestApi(url);
  inspector = await createInspector(url);
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await inspector?.close();
  await api?.close();
});

it("SIGTERM mid-workflow: the old worker exits cleanly and the next one, with a new ID, finishes its workflows", async () => {
  const run = Date.now();
  const ids = {
    events: `deploy-ev-${run}`,
    stream: `deploy-st-${run}`,
    messaging: `deploy-msg-${run}`,
  };
  expect((await api.post(`/start-workflow-messaging/${ids.messaging}/2`)).status).toBe(200);
  expect((await api.post(`/start-workflow-events/${ids.events}/${EVENTS_STEPS}`)).status).toBe(200);
  expect((await api.post(`/start-workflow-streaming/${ids.stream}/${STREAM_STEPS}`)).status).toBe(
    200,
  );
  await until("every workflow in progress", async () => {
    const { body: events } = await api.get(`/workflow-events/${ids.events}/all`);
    const step = Number(/processing_step_(\d+)/.exec(String(events.events?.status))?.[1] ?? 0);
    const { body: stream } = await api.get(`/workflow-stream/${ids.stream}`);
    return (
      step >= 7 &&
      stream.total_messages >= 5 &&
      (await inspector.status(ids.messaging)) === "PENDING"
    );
  });

  const old = workers[0]!;
  old.child.kill("SIGTERM");
  const terminatedAt = performance.now();
  expect(await old.exited).toBe(0);
  const exitMs = performance.now() - terminatedAt;
  // The grace period was too short for these: they wait, PENDING, for the next worker.
  expect(await inspector.status(ids.events)).toBe("PENDING");
  expect(await inspector.status(ids.stream)).toBe("PENDING");
  expect((await api.post(`/send-message/${ids.messaging}`, { approved: true })).status).toBe(200);

  workers.push(await startWorker(url, env("deploy-new")));
  const outputs = await Promise.all([
    inspector.result<{ n: number; fibonacci: number }[]>(ids.events),
    inspector.result(ids.stream),
    inspector.result<{ status: string; results: unknown[] }>(ids.messaging),
  ]);
  const finishedMs = performance.now() - terminatedAt;
  for (const id of Object.values(ids))
    expect((await inspector.client.getWorkflow(id))?.executorId).toBe("deploy-new");

  const tally = sum([
    await checkEvents(api, ids.events, EVENTS_STEPS, outputs[0]),
    await checkStream(api, url, ids.stream, STREAM_STEPS),
    checkApproved(ids.messaging, 2, outputs[2]),
  ]);
  expect(tally.problems).toEqual([]);
  reportFaults("SIGTERM (deploy), next worker under a new executor ID", {
    faults: 1,
    workflows: 3,
    lost: tally.lost,
    duplicates: tally.duplicates,
    "SIGTERM to exit ms": Math.round(exitMs),
    "SIGTERM to all finished ms": Math.round(finishedMs),
  });
});
