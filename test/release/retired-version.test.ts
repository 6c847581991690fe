import { databaseUrlFor } from "@wfc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoleEnv, dropRole, testPassword, uniqueRoleName } from "../support/api-role.js";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { until } from "../support/fault.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// A workflow of a version whose workers have retired can never run again: resuming it or
// messaging it would answer 200 and strand it (ENQUEUED forever, its version "draining" for
// good, its service removed by the next deploy). Both are refused with a way forward, while a
// version that still has a worker is served as before. Real workers of two versions; the API
// connects as its own role, so the role's grants cover the check.
const role = uniqueRoleName("wfc_api_retired");
const password = testPassword();
const release = (version: string) => ({
  ...apiRoleEnv(role, password, 8),
  APP_VERSION: version,
  EXECUTOR_ID: `retired-v${version}`,
  RETIRE_QUIET_MS: "1000",
  RETIRE_CHECK_INTERVAL_MS: "100",
  RECV_TIMEOUT_SECONDS: "60",
  SHUTDOWN_GRACE_MS: "300",
});
const run = Date.now();
let url: string;
let v1: TestWorker;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  url = await createTestDatabase("retired_version");
  v1 = await startWorker(url, release("1"));
  closers.push(() => v1.stop());
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  if (url) await dropRole(role, [url]);
});

const api = (appVersion: string) => {
  const made = createTestApi(
    databaseUrlFor(url, role, password),
    { log: () => {} },
    { appVersion, poolSize: 2 },
  );
  closers.push(() => made.close());
  return made;
};
type Api = ReturnType<typeof api>;
const statusOf = async (via: Api, id: string) =>
  ((await via.get(`/workflows/${id}`)).body as { status: string }).status;
const retiredLine = (w: TestWorker) => w.output.find((line) => line.includes('"worker retired"'));

describe("a workflow of a retired version", () => {
  it("is refused a resume and a message (409, naming the way forward); live versions are served", async () => {
    const inspector = await createInspector(url);
    closers.push(() => inspector.close());
    const apiV1 = api("1");
    const cancelled = `retired-cancelled-${run}`;
    const resumedEarly = `retired-resumed-early-${run}`;
    for (const id of [cancelled, resumedEarly]) {
      expect((await apiV1.post(`/start-workflow-messaging/${id}/1`)).status).toBe(200);
      await until(`${id} waiting`, async () => (await statusOf(apiV1, id)) === "PENDING");
      expect((await apiV1.post(`/workflows/${id}/cancel`)).status).toBe(200);
    }

    // Version 2 is released; the API switches to it.
    const v2 = await startWorker(url, release("2"));
    closers.push(() => v2.stop());
    const apiV2 = api("2");
    const current = `retired-current-${run}`;
    expect((await apiV2.post(`/start-workflow-messaging/${current}/1`)).status).toBe(200);

    // While version 1 still has its worker, its cancelled workflow resumes there, as before.
    const resumed = await apiV2.post(`/workflows/${resumedEarly}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ app_version: "1" });
    expect((await apiV2.post(`/send-message/${resumedEarly}`, { approved: true })).status).toBe(
      200,
    );
    expect(await inspector.result(resumedEarly)).toMatchObject({ status: "completed" });

    await until("version 1 retired", async () => retiredLine(v1), { timeoutMs: 30_000 });

    // The resume that would strand it is refused, and changes nothing.
    const refused = await apiV2.post(`/workflows/${cancelled}/resume`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/application version 1, whose workers have retired/);
    expect(refused.body.detail).toMatch(/Start a new workflow .*current version, 2.*fork/);
    expect(await statusOf(apiV2, cancelled)).toBe("CANCELLED");
    const versions = (await apiV2.get("/versions")).body as {
      versions: { version: string; state: string }[];
    };
    expect(versions.versions.find((v) => v.version === "1")).toMatchObject({ state: "drained" });

    // An API environment that has not switched yet still starts on version 1: nothing runs it,
    // and a message to it is refused instead of answered 200.
    const straggler = `retired-straggler-${run}`;
    expect((await apiV1.post(`/start-workflow-messaging/${straggler}/1`)).status).toBe(200);
    const message = await apiV2.post(`/send-message/${straggler}`, { approved: true });
    expect(message.status).toBe(409);
    expect(message.body.detail).toMatch(/application version 1, whose workers have retired/);
    const keyed = await apiV2.post(
      `/send-message/${straggler}`,
      { approved: true },
      { "idempotency-key": `retired-${run}` },
    );
    expect(keyed.status).toBe(409);

    // The current version: a message to a waiting workflow, one sent before the workflow's recv
    // (it is still ENQUEUED), a resume: all served.
    expect((await apiV2.post(`/send-message/${current}`, { approved: true })).status).toBe(200);
    expect(await inspector.result(current)).toMatchObject({ status: "completed" });
    const early = `retired-current-early-${run}`;
    expect((await apiV2.post(`/start-workflow-messaging/${early}/1`)).status).toBe(200);
    expect((await apiV2.post(`/send-message/${early}`, { approved: true })).status).toBe(200);
    expect(await inspector.result(early)).toMatchObject({ status: "completed" });
    const again = `retired-current-resumed-${run}`;
    expect((await apiV2.post(`/start-workflow-messaging/${again}/1`)).status).toBe(200);
    await until(`${again} waiting`, async () => (await statusOf(apiV2, again)) === "PENDING");
    expect((await apiV2.post(`/workflows/${again}/cancel`)).status).toBe(200);
    expect((await apiV2.post(`/workflows/${again}/resume`)).status).toBe(200);
    expect((await apiV2.post(`/send-message/${again}`, { approved: true })).status).toBe(200);
    expect(await inspector.result(again)).toMatchObject({ status: "completed" });
  });
});
