import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@wfc/local-stack/embedded-postgres";
import { until } from "./fault.js";
import {
  parseStatementLog,
  STATEMENT_LOG_SETTINGS,
  type LoggedStatement,
} from "./statement-log.js";

export interface LoggingCluster {
  cluster: EmbeddedDatabase;
  /** Every statement logged so far, once a marker sent through `db` now is in the log. */
  statements(db: { query(text: string): Promise<unknown> }): Promise<LoggedStatement[]>;
}

/**
 * A PostgreSQL cluster of the test's own (database `dbos`) that logs every statement with its
 * backend's pid and application name, for tests of what a process sends to the server.
 */
export async function startLoggingCluster(name: string): Promise<LoggingCluster> {
  const lines: string[] = [];
  const parent = mkdtempSync(join(tmpdir(), `wfc-${name}-`));
  const embedded = await startEmbeddedPostgres(join(parent, "pgdata"), "dbos", () => {}, {
    settings: STATEMENT_LOG_SETTINGS,
    onLogLine: (line) => lines.push(line),
  });
  return {
    // Stopping it removes its data too: nothing is left in the temp dir.
    cluster: {
      ...embedded,
      async stop() {
        await embedded.stop();
        rmSync(parent, { recursive: true, force: true });
      },
    },
    async statements(db) {
      const marker = `wfc-log-marker-${Math.random()}`;
      await db.query(`SELECT '${marker}'`);
      await until("the server to log the marker", async () =>
        lines.some((line) => line.includes(marker)),
      );
      return parseStatementLog(lines);
    },
  };
}
