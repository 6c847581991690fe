import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { expect, inject, it } from "vitest";

// Tests, and the stacks, workers and clusters they start, make temp dirs of 40-125 MB each
// (wfc-e2e-*, wfc-restart-*, wfc-lambda-*, ...). The global setup points TMPDIR at the run's
// own dir, which its teardown removes (and fails the run if it cannot): this holds only if
// every test process, and every process it starts, has its temp dir there.
it("puts every temp dir of the run, its child processes' too, in the run's dir", () => {
  const runDir = inject("runTempDir");
  expect(runDir).toMatch(/wfc-test-[^/]+$/);
  expect(tmpdir()).toBe(runDir);
  const child = spawnSync(process.execPath, ["-p", "require('node:os').tmpdir()"], {
    encoding: "utf8",
  });
  expect(child.stdout.trim()).toBe(runDir);
});
