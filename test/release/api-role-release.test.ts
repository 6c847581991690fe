import { afterAll, expect, it } from "vitest";
import {
  apiRoleEnv,
  connectionLimitOf,
  dropRole,
  testPassword,
  uniqueRoleName,
} from "../support/api-role.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker } from "../support/worker.js";

// During a release both versions' workers run, and ECS may restart a draining one. The API role's
// grants are the current release's (version 2's API may read what version 1's never did), so a
// worker of an older version must leave the role as the latest version's worker set it.
const role = uniqueRoleName("wfc_api_release");
const password = testPassword();
let url: string;
afterAll(async () => {
  if (url) await dropRole(role, [url]);
});

it("a worker of a version older than the latest leaves the API role as the latest one set it", async () => {
  url = await createTestDatabase("release_role");
  const first = await startWorker(url, { APP_VERSION: "1", EXECUTOR_ID: "role-v1" });
  await first.stop();
  const current = await startWorker(url, {
    APP_VERSION: "2",
    EXECUTOR_ID: "role-v2",
    ...apiRoleEnv(role, password, 7),
  });
  try {
    expect(current.output.some((line) => line.includes('"api role ready"'))).toBe(true);
    expect(await connectionLimitOf(url, role)).toBe(7);
    // Version 1's worker restarted with its own (older) settings: it touches nothing.
    const draining = await startWorker(url, {
      APP_VERSION: "1",
      EXECUTOR_ID: "role-v1",
      ...apiRoleEnv(role, password, 3),
    });
    await draining.stop();
    expect(
      draining.output.some((line) => line.includes('"api role left to the latest version"')),
    ).toBe(true);
    expect(draining.output.some((line) => line.includes('"api role ready"'))).toBe(false);
    expect(await connectionLimitOf(url, role)).toBe(7);
  } finally {
    await current.stop();
  }
});
