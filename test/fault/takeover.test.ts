import { afterAll, beforeAll, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { FAST_LIVENESS, kill, reportFaults, until } from "../support/fault.js";
import { startWorker, type TestWorker } from "../support/worker.js";
import { checkEvents, sum } from "../support/workflow-checks.js";

// What ECS does: a worker dies and its replacement starts under a NEW executor ID, while another
// worker keeps running. DBOS alone would leave the dead ID's workflows PENDING forever; the
// workers' heartbeats (functions/worker/src/liveness.ts) let a live one take them over.
const STEPS = 12;
const TAKEOVER_TARGET_MS = 30_000;
const env = (id: string) => ({ EXECUTOR_ID: id, FIBONACCI_THREADS: "1", ...FAST_LIVENESS });

let url: string;
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
const workers: TestWorker[] = [];

beforeAll(async () => {
  url = await createTestDatabase("fault_takeover");
  api = createTestApi(url);
  inspector = await createInspector(url);
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await inspector?.close();
  await api?.close();
});

const owner = async (id: string) => {
  const status = await inspector.client.getWorkflow(id);
  return status?.status === "PENDING" ? status.executorId : undefined;
};
const step = async (id: string) => {
  const { body } = await api.get(`/workflow-events/${id}/all`);
  return Number(/processing_step_(\d+)/.exec(String(body.events?.status))?.[1] ?? 0);
};

it("a dead worker's workflows are taken over by live workers under other IDs, within the bound", async () => {
  const victim = await startWorker(url, env("victim"));
  workers.push(victim);
  const run = Date.now();
  const owners = new Map<string, string>();
  const start = async (i: number) => {
    const id = `takeover-${run}-${i}`;
    expect((await api.post(`/start-workflow-events/${id}/${STEPS}`)).status).toBe(200);
    owners.set(id, await until(`${id} dequeued`, () => owner(id)));
  };
  // Alone, the victim dequeues the first two; then both workers poll the queue: start
  // workflows until the survivor holds one of its own.
  await start(0);
  await start(1);
  workers.push(await startWorker(url, env("survivor")));
  for (let i = 2; ![...owners.values()].includes("survivor"); i++) {
    if (i > 12) throw new Error("the survivor never dequeued a workflow");
    await start(i);
  }
  const victims = [...owners].filter(([, o]) => o === "victim").map(([id]) => id);
  const survivors = [...owners].filter(([, o]) => o === "survivor").map(([id]) => id);
  await until("the victim's workflows past their first steps", async () =>
    (await Promise.all(victims.map(step))).every((s) => s >= 2),
  );
  const attemptsBefore = new Map(
    await Promise.all(
      survivors.map(
        async (id) => [id, (await inspector.client.getWorkflow(id))?.recoveryAttempts] as const,
      ),
    ),
  );

  await kill(victim);
  const killedAt = performance.now();
  expect(await Promise.all(victims.map(owner))).toEqual(victims.map(() => "victim"));
  workers.push(await startWorker(url, env("replacement")));

  await until("the victim's workflows running elsewhere", async () => {
    const now = await Promise.all(victims.map((id) => inspector.client.getWorkflow(id)));
    return now.every((w) => w?.executorId !== "victim" && w?.status !== "ENQUEUED");
  });
  const takeoverMs = performance.now() - killedAt;
  const outputs = await Promise.all(
    victims.map((id) => inspector.result<{ n: number; fibonacci: number }[]>(id)),
  );
  const finishedMs = performance.now() - killedAt;
  const survivorOutputs = await Promise.all(
    survivors.map((id) => inspector.result<{ n: number; fibonacci: number }[]>(id)),
  );

  for (const id of victims) {
    const status = await inspector.client.getWorkflow(id);
    expect(["survivor", "replacement"]).toContain(status?.executorId);
  }
  // The live worker's own workflows were never re-enqueued.
  for (const id of survivors) {
    const status = await inspector.client.getWorkflow(id);
    expect(status?.executorId).toBe("survivor");
    expect(status?.recoveryAttempts).toBe(attemptsBefore.get(id));
  }
  // Exactly one live worker claimed the dead executor, though two were sweeping.
  const claims = workers
    .flatMap((w) => w.output)
    .filter((line) => line.includes('"took over dead executor"') && line.includes('"victim"'));
  expect(claims).toHaveLength(1);

  const tally = sum([
    ...(await Promise.all(victims.map((id, i) => checkEvents(api, id, STEPS, outputs[i]!)))),
    ...(await Promise.all(
      survivors.map((id, i) => checkEvents(api, id, STEPS, survivorOutputs[i]!)),
    )),
  ]);
  expect(tally.problems).toEqual([]);
  expect(finishedMs).toBeLessThan(TAKEOVER_TARGET_MS);
  reportFaults("SIGKILL, replaced under a new executor ID", {
    faults: 1,
    workflows: victims.length + survivors.length,
    lost: tally.lost,
    duplicates: tally.duplicates,
    "taken over": victims.length,
    "kill to taken over ms": Math.round(takeoverMs),
    "kill to finished ms": Math.round(finishedMs),
    "dead after ms": Number(FAST_LIVENESS.EXECUTOR_DEAD_AFTER_MS),
  });
});
