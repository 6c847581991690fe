import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KINDS } from "@wfc/core";
import { expect, it } from "vitest";
import { buildApi } from "../../scripts/build-api.js";

it("bundles every kind's declaration into the Lambda and none of their workflows", async () => {
  const bundle = await buildApi(mkdtempSync(join(tmpdir(), "wfc-api-bundle-")));
  const kinds = bundle.inputs.filter((path) => path.startsWith("packages/core/src/kinds/"));
  expect(kinds).toEqual(
    expect.arrayContaining(KINDS.map((k) => `packages/core/src/kinds/${k.name}.ts`)),
  );
  // Workflow code runs only on the worker: DBOS registration, the thread pool, the steps.
  expect(
    bundle.inputs.filter((path) => /\.workflow\.ts$|src\/workflows\/|piscina/.test(path)),
  ).toEqual([]);
});

it("bundles the relay's client into the Lambda and none of its server", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wfc-api-bundle-"));
  const bundle = await buildApi(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
  expect(bundle.inputs).toContain("packages/realtime/src/relay/client.ts");
  // The relay runs in the worker ("@wfc/realtime/relay-server"): the API's waits only ask it.
  expect(
    bundle.inputs.filter((path) => /packages\/realtime\/src\/relay\/(server|app)\.ts/.test(path)),
  ).toEqual([]);
});
