import { DBOS } from "@dbos-inc/dbos-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { until } from "../support/fault.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// GET /versions on a real database in each state a release passes through, from before any
// worker to a version the API stamps that no worker has launched.
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const api = (url: string, appVersion = "1") => {
  const app = createTestApi(url, { log: () => {} }, { appVersion, poolSize: 2 });
  closers.push(() => app.close());
  return app;
};

describe("GET /versions", () => {
  it("answers no versions on a migrated database no worker has launched on", async () => {
    const url = await createTestDatabase("versions_fresh");
    await DBOS.migrate(url);
    const { status, body } = await api(url).get("/versions");
    expect(status).toBe(200);
    expect(body).toEqual({ latest: null, versions: [] });
  });

  it("is a 503 that says to start a worker on a database DBOS has not migrated", async () => {
    const url = await createTestDatabase("versions_bare");
    const answer = await api(url).get("/versions");
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("1");
    expect(answer.body.detail).toBe("The database is not initialised yet: start a worker first");
  });

  describe("with a worker of version 1 and an API stamping version 7", () => {
    let url: string;
    let worker: TestWorker;
    beforeAll(async () => {
      url = await createTestDatabase("versions_live");
      worker = await startWorker(url, {
        APP_VERSION: "1",
        EXECUTOR_ID: "versions-v1",
        // Its workflows wait in recv: the stop at the end need not wait for them.
        SHUTDOWN_GRACE_MS: "200",
      });
      closers.push(() => worker.stop());
    });

    it("counts each version's PENDING and ENQUEUED, and shows work no worker can take", async () => {
      const v1 = api(url, "1");
      const v7 = api(url, "7");
      const run = Date.now();
      for (const i of [1, 2]) await v1.post(`/start-workflow-messaging/v1-${run}-${i}/1`);
      for (const i of [1, 2, 3]) await v7.post(`/start-workflow-messaging/v7-${run}-${i}/1`);
      // Version 1's two wait in recv (PENDING); version 7's stay ENQUEUED: no worker runs 7.
      const report = await until("version 1's workflows running", async () => {
        const { body } = await v1.get("/versions");
        const one = body.versions?.find((v: { version: string }) => v.version === "1");
        return one?.pending === 2 ? body : undefined;
      });
      expect(report.latest).toBe("1");
      expect(report.versions).toEqual([
        {
          version: "7",
          latest: false,
          state: "unregistered",
          registered_at: null,
          pending: 0,
          enqueued: 3,
        },
        {
          version: "1",
          latest: true,
          state: "current",
          registered_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          pending: 2,
          enqueued: 0,
        },
      ]);
      // Bad input has nowhere to go: a query string is ignored.
      expect((await v1.get("/versions?state=nonsense")).body).toEqual(report);
    });
  });
});
