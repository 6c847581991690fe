import { afterAll, beforeAll, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { FAST_LIVENESS, kill, reportFaults, until } from "../support/fault.js";
import { startWorker, type TestWorker } from "../support/worker.js";
import { checkApproved, checkEvents, checkStream, sum } from "../support/workflow-checks.js";

// SIGKILL in the middle of each kind of workflow, then a restart under the same executor ID:
// DBOS recovers the ID's pending workflows from their last completed step.
const EVENTS_STEPS = 12;
const STREAM_STEPS = 20;
const MESSAGING_STEPS = 3;
// One fibonacci thread: the stream's tiny steps queue behind the events workflow's long ones,
// so both are certainly in the middle when the kill lands.
const WORKER_ENV = { EXECUTOR_ID: "fault-kill", FIBONACCI_THREADS: "1", ...FAST_LIVENESS };

let url: string;
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
const workers: TestWorker[] = [];

beforeAll(async () => {
  url = await createTestDatabase("fault_kill");
  workers.push(await startWorker(url, WORKER_ENV));
  api = createTestApi(url);
  inspector = await createInspector(url);
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await inspector?.close();
  await api?.close();
});

it("a worker killed mid-workflow and restarted finishes every workflow, losing and repeating nothing", async () => {
  const run = Date.now();
  const ids = { events: `kill-ev-${run}`, stream: `kill-st-${run}`, messaging: `kill-msg-${run}` };
  expect(
    (await api.post(`/start-workflow-messaging/${ids.messaging}/${MESSAGING_STEPS}`)).status,
  ).toBe(200);
  expect((await api.post(`/start-workflow-events/${ids.events}/${EVENTS_STEPS}`)).status).toBe(200);
  expect((await api.post(`/start-workflow-streaming/${ids.stream}/${STREAM_STEPS}`)).status).toBe(
    200,
  );

  // Mid-workflow: the events workflow past its 8th step (fibonacci(35) and up take 100 ms+ each,
  // 1.5 s remain), the stream part-written, the messaging workflow waiting for its approval.
  await until("every workflow in progress", async () => {
    const { body: events } = await api.get(`/workflow-events/${ids.events}/all`);
    const step = Number(/processing_step_(\d+)/.exec(String(events.events?.status))?.[1] ?? 0);
    const { body: stream } = await api.get(`/workflow-stream/${ids.stream}`);
    const messaging = await inspector.status(ids.messaging);
    return step >= 8 && stream.total_messages >= 5 && messaging === "PENDING";
  });
  await kill(workers[0]!);
  const killedAt = performance.now();
  const { body: streamAtKill } = await api.get(`/workflow-stream/${ids.stream}`);
  expect(streamAtKill.total_messages).toBeLessThan(2 * STREAM_STEPS + 2);
  expect((await api.get(`/workflow-events/${ids.events}/all`)).body.events.status).not.toBe(
    "completed",
  );

  // Sent while no worker runs: it waits in the database for the workflow.
  const sent = await api.post(`/send-message/${ids.messaging}`, { approved: true });
  expect(sent.status).toBe(200);

  const restarted = performance.now();
  workers.push(await startWorker(url, WORKER_ENV));
  const outputs = await Promise.all([
    inspector.result<{ n: number; fibonacci: number }[]>(ids.events),
    inspector.result(ids.stream),
    inspector.result<{ status: string; results: unknown[] }>(ids.messaging),
  ]);
  const finished = performance.now();

  const tally = sum([
    await checkEvents(api, ids.events, EVENTS_STEPS, outputs[0]),
    await checkStream(api, url, ids.stream, STREAM_STEPS),
    checkApproved(ids.messaging, MESSAGING_STEPS, outputs[2]),
  ]);
  expect(tally.problems).toEqual([]);
  reportFaults("SIGKILL + restart, same executor ID", {
    faults: 1,
    workflows: 3,
    lost: tally.lost,
    duplicates: tally.duplicates,
    "worker down ms": Math.round(restarted - killedAt),
    "restart to all finished ms": Math.round(finished - restarted),
  });
});
