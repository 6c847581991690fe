import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { until } from "../support/fault.js";
import { startSsmStandIn } from "../support/ssm-stand-in.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The release path of docs/operations/releases.md, run for real: version 1's worker
// keeps running while version 2's starts; the API switches to 2 once 2 is ready; version 1 drains
// its own workflows and retires by itself. Nothing is stranded, nothing runs on the other
// version's code, nothing runs twice. And a version 2 that crashes at start changes nothing.
const STEPS = 2;
const QUIET_MS = 1_000;
const CHECK_MS = 100;
const PARAMETER = (version: string) => `/workflow-communication/drill/worker-releases/${version}`;
const release = (version: string, executorId: string, extra: Record<string, string> = {}) => ({
  APP_VERSION: version,
  EXECUTOR_ID: executorId,
  RETIRE_QUIET_MS: String(QUIET_MS),
  RETIRE_CHECK_INTERVAL_MS: String(CHECK_MS),
  // Long enough to wait out the whole drill for its approval.
  RECV_TIMEOUT_SECONDS: "60",
  SHUTDOWN_GRACE_MS: "300",
  RELEASE_REGISTRY_PARAMETER: PARAMETER(version),
  ...extra,
});

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
});
const keep = <T extends { close(): Promise<void> }>(thing: T) => {
  closers.push(() => thing.close());
  return thing;
};
const worker = async (url: string, env: Record<string, string>) => {
  const started = await startWorker(url, env);
  closers.push(() => started.stop());
  return started;
};
const api = (url: string, appVersion: string) =>
  keep(createTestApi(url, { log: () => {} }, { appVersion, poolSize: 2 }));
type Api = ReturnType<typeof api>;

interface Row {
  workflow_uuid: string;
  status: string;
  application_version: string;
  executor_id: string;
  recovery_attempts: number;
  completed_at: number;
}
/** The status rows of `ids`, as DBOS stored them. */
async function rowsOf(url: string, ids: string[]): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<Row>(
      `SELECT workflow_uuid, status, application_version, executor_id,
              recovery_attempts::int, coalesce(completed_at, updated_at)::float8 AS completed_at
         FROM dbos.workflow_status WHERE workflow_uuid = ANY($1)`,
      [ids],
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** Whether every one of `ids` is PENDING (dequeued, waiting in recv). */
const waitingIn = async (url: string, ids: string[]) => {
  const rows = await rowsOf(url, ids);
  return rows.length === ids.length && rows.every((r) => r.status === "PENDING");
};

type Versions = { latest: string | null; versions: Record<string, unknown>[] };
const versionsOf = async (via: Api): Promise<Versions> => (await via.get("/versions")).body;
const versionIn = (report: Versions, version: string) =>
  report.versions.find((v) => v.version === version);
const startMessaging = async (via: Api, ids: string[]) => {
  for (const id of ids)
    expect((await via.post(`/start-workflow-messaging/${id}/${STEPS}`)).status).toBe(200);
};
const approve = async (via: Api, ids: string[]) => {
  for (const id of ids)
    expect((await via.post(`/send-message/${id}`, { approved: true })).status).toBe(200);
};
const healthOf = async (w: TestWorker) => {
  const { healthPort } = await w.ready;
  const response = await fetch(`http://127.0.0.1:${String(healthPort)}/health`);
  return { status: response.status, body: (await response.json()) as { state: string } };
};
const retiredLine = (w: TestWorker) => w.output.find((line) => line.includes('"worker retired"'));

// The two run at once: each has its own database and workers, and most of their time is waiting.
describe.concurrent("the release drill", () => {
  it("releases 1 -> 2 with every in-flight workflow finished on its own version, none twice, and 1 retired after its last", async () => {
    const url = await createTestDatabase("release_drill");
    const ssm = keep(await startSsmStandIn());
    const inspector = keep(await createInspector(url));
    const run = Date.now();
    const ids = (what: string, n: number) =>
      Array.from({ length: n }, (_, i) => `drill-${what}-${run}-${i}`);
    const waiting = ids("waiting", 4);
    const queued = ids("queued", 3);
    const fresh = ids("new", 4);

    // Version 1 is running; the API stamps 1. Its workflows wait in recv for an approval.
    const v1 = await worker(url, release("1", "drill-v1", ssm.env));
    const apiV1 = api(url, "1");
    await startMessaging(apiV1, waiting);
    await until("version 1's workflows waiting", async () => waitingIn(url, waiting));
    // More queue up than version 1 takes: its worker is held (SIGSTOP) as a busy worker would
    // be, so they stay ENQUEUED through the release (the queue has no concurrency setting).
    v1.child.kill("SIGSTOP");
    await startMessaging(apiV1, queued);
    expect(versionIn(await versionsOf(apiV1), "1")).toMatchObject({
      state: "current",
      pending: waiting.length,
      enqueued: queued.length,
    });

    // The release: version 2's worker starts and is ready; only then does the API switch to 2.
    const v2 = await worker(url, release("2", "drill-v2", ssm.env));
    const apiV2 = api(url, "2");
    const during = await versionsOf(apiV2);
    expect(during.latest).toBe("2");
    expect(versionIn(during, "2")).toMatchObject({ state: "current", pending: 0, enqueued: 0 });
    expect(versionIn(during, "1")).toMatchObject({
      latest: false,
      state: "draining",
      pending: waiting.length,
      enqueued: queued.length,
    });
    v1.child.kill("SIGCONT");

    // New starts go to version 2; approvals reach every workflow, whichever version runs it.
    await startMessaging(apiV2, fresh);
    await approve(apiV2, [...waiting, ...queued, ...fresh]);
    const outputs = await Promise.all(
      [...waiting, ...queued, ...fresh].map((id) =>
        inspector.result<{ status: string; results: unknown[] }>(id),
      ),
    );
    for (const output of outputs) {
      expect(output.status).toBe("completed");
      expect(output.results).toHaveLength(STEPS);
    }
    await until("version 1 retired", async () => retiredLine(v1), { timeoutMs: 20_000 });

    const oldRows = await rowsOf(url, [...waiting, ...queued]);
    const newRows = await rowsOf(url, fresh);
    for (const row of oldRows)
      expect(row).toMatchObject({
        status: "SUCCESS",
        application_version: "1",
        executor_id: "drill-v1",
      });
    for (const row of newRows)
      expect(row).toMatchObject({
        status: "SUCCESS",
        application_version: "2",
        executor_id: "drill-v2",
      });
    // Each was dequeued once and never recovered (a rerun counts another attempt).
    const runTwice = [...oldRows, ...newRows].filter((r) => r.recovery_attempts !== 1);
    expect(runTwice).toEqual([]);

    // Retired only after its last workflow finished, and after the quiet period.
    const retired = JSON.parse(retiredLine(v1)!.replace(/^\[worker\] /, "")) as {
      appVersion: string;
      at: number;
      workLeft: boolean;
    };
    const lastFinished = Math.max(...oldRows.map((r) => r.completed_at));
    expect(retired).toMatchObject({ appVersion: "1", workLeft: false });
    expect(retired.at - lastFinished).toBeGreaterThanOrEqual(QUIET_MS);
    expect(retiredLine(v2)).toBeUndefined();
    expect(await healthOf(v1)).toEqual({ status: 200, body: { status: "ok", state: "retired" } });
    expect(await healthOf(v2)).toEqual({ status: 200, body: { status: "ok", state: "serving" } });
    await until("version 1's registry entry deleted", async () =>
      ssm.requests.some((r) => r.action === "DeleteParameter"),
    );
    expect(ssm.requests.map((r) => [r.action, r.body.Name])).toEqual([
      ["DeleteParameter", PARAMETER("1")],
    ]);

    const after = await versionsOf(apiV2);
    expect(after.latest).toBe("2");
    expect(after.versions).toEqual([
      expect.objectContaining({ version: "2", state: "current", pending: 0, enqueued: 0 }),
      expect.objectContaining({ version: "1", state: "drained", pending: 0, enqueued: 0 }),
    ]);
    const stranded = after.versions.reduce((n, v) => n + Number(v.pending) + Number(v.enqueued), 0);
    expect(stranded).toBe(0);
    // Version 2 goes on serving; the retired worker stops cleanly when its service is removed.
    const later = `drill-later-${run}`;
    await startMessaging(apiV2, [later]);
    await approve(apiV2, [later]);
    expect(await inspector.result(later)).toMatchObject({ status: "completed" });
    v1.child.kill("SIGTERM");
    expect(await v1.exited).toBe(0);

    const started = waiting.length + queued.length + fresh.length;
    console.log(
      `[release] drill 1 -> 2: started ${started} (version 1: ${waiting.length} waiting in recv + ` +
        `${queued.length} ENQUEUED at the switch; version 2: ${fresh.length}, and 1 more after ` +
        `the retirement), finished on version 1 ` +
        `${oldRows.filter((r) => r.status === "SUCCESS").length}, on version 2 ` +
        `${newRows.filter((r) => r.status === "SUCCESS").length}, stranded ${stranded}, run twice ` +
        `${runTwice.length}; version 1 retired ${Math.round(retired.at - lastFinished)} ms after its ` +
        `last workflow finished (quiet period ${QUIET_MS} ms)`,
    );
  });

  it("a version 2 that crashes at start leaves version 1 serving every start and approval, and not retiring", async () => {
    const url = await createTestDatabase("release_crash");
    const inspector = keep(await createInspector(url));
    const run = Date.now();
    const v1 = await worker(url, release("1", "crash-v1"));
    const apiV1 = api(url, "1");
    const before = [`crash-before-${run}-0`, `crash-before-${run}-1`];
    await startMessaging(apiV1, before);
    await until("version 1's workflows waiting", async () => waitingIn(url, before));

    // A bad value stops the worker before it launches: version 2 is never registered.
    await expect(
      startWorker(url, release("2", "crash-v2-config", { RETIRE_QUIET_MS: "soon" })),
    ).rejects.toThrow(/exited with code 1 before it was ready[^]*RETIRE_QUIET_MS/);
    expect((await versionsOf(apiV1)).latest).toBe("1");
    // A crash after launch (its relay's port is taken): version 2 is DBOS's latest, but the API
    // never switched, so no workflow of version 2 exists and version 1 must not retire.
    const { relayPort } = await v1.ready;
    await expect(
      startWorker(url, release("2", "crash-v2-port", { RELAY_PORT: String(relayPort) })),
    ).rejects.toThrow(/exited with code 1 before it was ready/);
    const report = await versionsOf(apiV1);
    expect(report.latest).toBe("2");
    expect(versionIn(report, "1")).toMatchObject({ state: "draining", pending: before.length });

    // The deploy failed before the API switched: version 1 serves new starts and approvals.
    const after = [`crash-after-${run}-0`, `crash-after-${run}-1`];
    await startMessaging(apiV1, after);
    await approve(apiV1, [...before, ...after]);
    for (const id of [...before, ...after])
      expect(await inspector.result(id)).toMatchObject({ status: "completed" });
    const rows = await rowsOf(url, [...before, ...after]);
    for (const row of rows)
      expect(row).toMatchObject({
        status: "SUCCESS",
        application_version: "1",
        executor_id: "crash-v1",
      });

    // Idle, with another version latest, for well over the quiet period: it stays.
    const idleSince = performance.now();
    await until(
      "twice the quiet period",
      async () => performance.now() - idleSince > 2 * QUIET_MS + 5 * CHECK_MS,
      { intervalMs: CHECK_MS },
    );
    expect(retiredLine(v1)).toBeUndefined();
    expect(await healthOf(v1)).toEqual({ status: 200, body: { status: "ok", state: "serving" } });
    console.log(
      `[release] drill, version 2 crashing at start (bad setting; after launch): version 1 ` +
        `finished ${rows.length} of ${rows.length} (${after.length} started after the crash), ` +
        `stranded 0, retired: no`,
    );
  });
});
