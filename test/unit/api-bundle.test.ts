import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KINDS } from "@wfc/core";
import { expect, it } from "vitest";
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

it("bundles the dashboard's script, built from its browser code, as a string: no bundling at request time", async () => {
  const bundle = await buildApi(mkdtempSync(join(tmpdir(), "wfc-api-bundle-")));
  expect(bundle.inputs).toContain("functions/api/src/ui/browser-bundle.gen.ts");
  // The browser modules reach the Lambda only through the generated string.
  expect(bundle.inputs.filter((path) => path.includes("functions/api/src/ui/browser/"))).toEqual(
    [],
  );
  const script = bundleDashboard(join(mkdtempSync(join(tmpdir(), "wfc-ui-bundle-")), "b.gen.ts"));
  const marker = /The page has no #/.exec(script)?.[0];
  expect(marker).toBeDefined();
  expect(readFileSync(bundle.file, "utf8")).toContain(marker);
});
