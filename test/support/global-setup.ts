import type { TestProject } from "vitest/node";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "../../scripts/generate.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@wfc/local-stack/embedded-postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** A connection string to a database on the test server with CREATEDB rights. */
    adminDatabaseUrl: string;
    /** The run's temp dir: every test process's (and theirs') OS temp dir, removed at the end. */
    runTempDir: string;
  }
}

/**
 * One PostgreSQL server for the whole run: the embedded one (fresh data dir under the run's temp
 * dir), or the server of DBOS_SYSTEM_DATABASE_URL when given. Each test file then creates its
 * own database on it.
 *
 * The run's temp dir (`wfc-test-*`) becomes TMPDIR for every process the run starts: the test
 * files, and the workers, stacks, clusters and bundles they start. Whatever any of them puts in
 * the OS temp dir is inside it, and the teardown removes it, failed tests and killed processes
 * included; a run leaves nothing behind.
 */
export default async function setup(project: TestProject) {
  // Before any test file loads: a kind added since the last npm command is in the lists, and the
  // dashboard's script is bundled from its current code.
  generate();
  const runDir = mkdtempSync(join(tmpdir(), "wfc-test-"));
  // As root, PostgreSQL runs as the `postgres` user, which must reach data dirs inside.
  chmodSync(runDir, 0o755);
  process.env.TMPDIR = runDir;
  project.provide("runTempDir", runDir);
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.DBOS_SYSTEM_DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres(join(runDir, "pgdata"), "postgres");
    adminUrl = embedded.adminUrl;
  }
  project.provide("adminDatabaseUrl", adminUrl);
  return async () => {
    await embedded?.stop();
    rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
    if (existsSync(runDir)) throw new Error(`the run's temp dir ${runDir} could not be removed`);
  };
}
