import { mkdtempSync } from "node:fs";
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
