/**
 * The server settings that make PostgreSQL log every statement with the backend's pid and
 * application name, in the shape `parseStatementLog` reads.
 */
export const STATEMENT_LOG_SETTINGS = {
  log_statement: "all",
  log_line_prefix: "wfclog|%p|%a| ",
};

/** One statement a backend ran, as the server logged it. */
export interface LoggedStatement {
  pid: number;
  applicationName: string;
  /** `<unnamed>` for node-pg's extended-protocol queries, a name for a prepared statement. */
  portal: string | undefined;
  text: string;
}

const ENTRY = /^wfclog\|(\d+)\|(.*?)\| ([A-Z]+):\s+(.*)$/;
const STATEMENT = /^(?:statement|execute ([^:]+)): ([\s\S]*)$/;

/**
 * Reads server log lines into statements. A multi-line statement continues on lines without
 * the prefix; entries other than LOG statements (DETAIL, errors, checkpoints) are skipped.
 */
export function parseStatementLog(lines: readonly string[]): LoggedStatement[] {
  const entries: { pid: number; app: string; level: string; message: string }[] = [];
  for (const line of lines) {
    const match = ENTRY.exec(line);
    if (match) {
      const [, pid, app, level, message] = match;
      entries.push({ pid: Number(pid), app: app!, level: level!, message: message! });
    } else if (entries.length > 0) {
      entries[entries.length - 1]!.message += `\n${line}`;
    }
  }
  return entries.flatMap(({ pid, app, level, message }) => {
    const statement = level === "LOG" ? STATEMENT.exec(message) : null;
    if (!statement) return [];
    return [{ pid, applicationName: app, portal: statement[1], text: statement[2]!.trim() }];
  });
}

// What pgbouncer itself sends before a client's transaction so the server connection's
// parameters match the client's startup packet, e.g. `SET application_name='x';`: the pooler's
// mechanism, not the client's session state.
const POOLER_PARAMETER_SYNC =
  /^(SET (application_name|client_encoding|DateStyle|TimeZone|standard_conforming_strings)='[^']*';\s*)+$/i;

/** True for pgbouncer's own parameter synchronisation. */
export const isPoolerParameterSync = (statement: LoggedStatement) =>
  POOLER_PARAMETER_SYNC.test(statement.text);

/** RDS Proxy pins a connection on statements over 16 KB of text. */
const MAX_UNPINNED_STATEMENT_BYTES = 16 * 1024;

/**
 * What in a statement would pin an RDS Proxy connection to its client (or break under a
 * transaction pooler), LISTEN aside; undefined when nothing does. Transaction-scoped
 * `SET LOCAL` and `set_config(..., true)` are fine.
 */
export function sessionStateIn(statement: LoggedStatement): string | undefined {
  const sql = statement.text;
  if (statement.portal !== undefined && statement.portal !== "<unnamed>")
    return `named prepared statement ${statement.portal}`;
  if (/^\s*SET\s+(?!LOCAL\b)/i.test(sql)) return "session-level SET";
  if (/\bset_config\s*\([^)]*,\s*false\s*\)/i.test(sql)) return "session-level set_config";
  if (/^\s*PREPARE\b/i.test(sql)) return "PREPARE";
  if (/\bpg_(try_)?advisory_(xact_)?lock/i.test(sql)) return "advisory lock";
  if (/\bDECLARE\b[\s\S]*\bWITH\s+HOLD\b/i.test(sql)) return "cursor WITH HOLD";
  if (/\bCREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s+TABLE\b/i.test(sql)) return "temporary table";
  if (Buffer.byteLength(sql) > MAX_UNPINNED_STATEMENT_BYTES) return "statement over 16 KB";
  return undefined;
}

/** True for LISTEN (a session that must stay on one server connection). */
export const isListen = (statement: LoggedStatement) => /^\s*LISTEN\b/i.test(statement.text);
