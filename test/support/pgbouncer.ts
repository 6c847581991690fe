import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { accessSync, chownSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import getPort from "get-port";
import pg from "pg";
import { describe, it } from "vitest";

/** Where Debian's package installs the binary; PATH is searched after it. */
const DEBIAN_BINARY = "/usr/sbin/pgbouncer";
const INSTALL_HINT = "apt-get install -y --no-install-recommends pgbouncer";
// As root, pgbouncer refuses to run: it runs as this OS user (the one PostgreSQL runs as).
const RUN_AS = "postgres";
// The admin console's pseudo-database (SHOW POOLS, SHOW SERVERS).
const ADMIN_DATABASE = "pgbouncer";

/** A user pgbouncer accepts and logs into PostgreSQL as (the same name and password). */
export interface PoolerUser {
  name: string;
  password: string;
}

export interface PgbouncerOptions {
  /** The PostgreSQL server behind it: only host and port are used; every database is served. */
  serverUrl: string;
  /** Users clients may connect as; the first is also the admin console's user. */
  users: PoolerUser[];
  /** Server connections per (database, user) pair. Default 3. */
  poolSize?: number;
  /** Lines pgbouncer logs, for failure messages. */
  onLog?: (line: string) => void;
}

export interface Pgbouncer {
  port: number;
  /** A connection string through pgbouncer; the password defaults to the one the user was given. */
  url(database: string, user?: string, password?: string): string;
  /** Server connections pgbouncer holds now (any state), optionally for one database only. */
  serverConnections(database?: string): Promise<number>;
  /** Client connections open now (the admin console's own excluded), optionally for one database. */
  clientConnections(database?: string): Promise<number>;
  stop(): Promise<void>;
}

/** The pgbouncer binary, or undefined when it is not installed. */
export function pgbouncerPath(): string | undefined {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const candidates = [DEBIAN_BINARY, ...dirs.map((dir) => join(dir, "pgbouncer"))];
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * `describe` for suites that need pgbouncer. Where it is missing: skipped with a message saying
 * how to install it, or, with CI=true (CI installs it), one failing test, so CI cannot pass
 * without having run the suite.
 */
export function describeWithPgbouncer(name: string, suite: () => void) {
  if (pgbouncerPath()) return describe(name, suite);
  const missing = `pgbouncer is not installed (${DEBIAN_BINARY} or on PATH); install it with: ${INSTALL_HINT}`;
  if (process.env.CI === "true") {
    return describe(name, () => {
      it("has pgbouncer installed (CI installs it in .ci/run)", () => {
        throw new Error(missing);
      });
    });
  }
  console.warn(`Skipping "${name}": ${missing}`);
  return describe.skip(`${name} (skipped: ${missing})`, suite);
}

// auth_file syntax: "name" "password", a double quote doubled.
const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`;

function osUser(name: string) {
  const id = (flag: string) => Number(execFileSync("id", [flag, name]).toString().trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch (error) {
    throw new Error(`pgbouncer cannot run as root and there is no "${name}" OS user to run as`, {
      cause: error,
    });
  }
}

/**
 * Starts a pgbouncer of the caller's own in transaction mode (as RDS Proxy multiplexes) on a
 * free port, in front of `serverUrl`, with its config in a fresh temp dir (`stop` removes it). Resolves once it
 * listens; @throws when the binary is missing or it exits first.
 */
export async function startPgbouncer(options: PgbouncerOptions): Promise<Pgbouncer> {
  const binary = pgbouncerPath();
  if (!binary) throw new Error(`pgbouncer is not installed: ${INSTALL_HINT}`);
  const [admin] = options.users;
  if (!admin) throw new Error("startPgbouncer needs at least one user");
  const server = new URL(options.serverUrl);
  const port = await getPort();
  const dir = mkdtempSync(join(tmpdir(), "wfc-pgbouncer-"));
  const authFile = join(dir, "userlist.txt");
  const configFile = join(dir, "pgbouncer.ini");
  writeFileSync(
    authFile,
    options.users.map((u) => `${quoted(u.name)} ${quoted(u.password)}\n`).join(""),
    { mode: 0o600 },
  );
  writeFileSync(
    configFile,
    [
      "[databases]",
      // The fallback entry: any database name is forwarded to the same server.
      `* = host=${server.hostname} port=${server.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 3}`,
      "max_client_conn = 1000",
      // A plain-text auth_file lets pgbouncer log into the server with SCRAM as each user.
      "auth_type = scram-sha-256",
      `auth_file = ${authFile}`,
      `admin_users = ${admin.name}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const asRoot = userInfo().uid === 0;
  const ids = asRoot ? osUser(RUN_AS) : undefined;
  if (ids) for (const path of [dir, authFile, configFile]) chownSync(path, ids.uid, ids.gid);

  const child = spawn(binary, [configFile], { ...ids, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        options.onLog?.(line);
        if (line.includes("process up")) resolve();
      });
    }
    void exited.then((code) =>
      reject(new Error(`pgbouncer exited with code ${code}:\n${output.join("\n")}`)),
    );
  });

  const url = (database: string, user = admin.name, password?: string) => {
    const secret = password ?? options.users.find((u) => u.name === user)?.password ?? "";
    const name = encodeURIComponent(user);
    return `postgresql://${name}:${encodeURIComponent(secret)}@127.0.0.1:${port}/${database}`;
  };
  /** Rows of an admin console listing, for `database` or any but the console's own. */
  const count = async (command: string, database?: string) => {
    const admin = new pg.Client({ connectionString: url(ADMIN_DATABASE) });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ database: string }>(command);
      return rows.filter((row) =>
        database === undefined ? row.database !== ADMIN_DATABASE : row.database === database,
      ).length;
    } finally {
      await admin.end();
    }
  };
  return {
    port,
    url,
    serverConnections: (database) => count("SHOW SERVERS", database),
    clientConnections: (database) => count("SHOW CLIENTS", database),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGINT: pgbouncer's "safe shutdown" waits for clients; SIGTERM closes at once.
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
