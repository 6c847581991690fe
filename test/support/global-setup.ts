import type { TestProject } from "vitest/node";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKinds } from "../../scripts/generate-kinds.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@wfc/local-stack/embedded-postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** A connection string to a database on the test server with CREATEDB rights. */
    adminDatabaseUrl: string;
  }
}

/**
 * One PostgreSQL server for the whole run: the embedded one (fresh data dir under the OS temp
 * dir), or the server of DBOS_SYSTEM_DATABASE_URL when given. Each test file then creates its
 * own database on it.
 */
export default async function setup(project: TestProject) {
  // Before any test file loads: a kind added since the last npm command is in the lists.
  generateKinds();
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.DBOS_SYSTEM_DATABASE_URL;
  if (!adminUrl) {
    const parent = mkdtempSync(join(tmpdir(), "wfc-test-"));
    const dir = join(parent, "pgdata");
    embedded = await startEmbeddedPostgres(dir, "postgres");
    adminUrl = embedded.adminUrl;
  }
  project.provide("adminDatabaseUrl", adminUrl);
  return async () => {
    await embedded?.stop();
  };
}
