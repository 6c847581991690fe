import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KINDS } from "@wfc/core";
import { expect, it, onTestFinished } from "vitest";
import { buildApi } from "../../scripts/build-api.js";
import { bundleDashboard } from "../../scripts/bundle-dashboard.js";

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

it("bundles the dashboard's script, built from its browser code, as a string: no bundling at request time", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wfc-api-bundle-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = await buildApi(dir);
  expect(bundle.inputs).toContain("functions/api/src/ui/browser-bundle.gen.ts");
  // The browser modules reach the Lambda only through the generated string.
  expect(bundle.inputs.filter((path) => path.includes("functions/api/src/ui/browser/"))).toEqual(
    [],
  );
  const script = bundleDashboard(join(dir, "b.gen.ts"));
  const marker = /The page has no #/.exec(script)?.[0];
  expect(marker).toBeDefined();
  expect(readFileSync(bundle.file, "utf8")).toContain(marker);
});
