import { createHash } from "node:crypto";
import pg from "pg";

/**
 * Most distinct statements one process names. DBOS's own are a few dozen; past the cap a
 * statement runs unnamed, so texts built per call (an `IN` list of N parameters) cannot grow
 * every server session's plan cache without bound.
 */
export const MAX_NAMED_STATEMENTS = 128;

/** DBOS's own limit on a transaction left idle (the pool it builds sets it; ours must too). */
const IDLE_IN_TRANSACTION_MS = 60_000;

/** The name of each parameterised statement text: a hash, so one text has one name everywhere. */
export class StatementNames {
  readonly #names = new Map<string, string>();
  constructor(readonly max = MAX_NAMED_STATEMENTS) {}

  /** The text's name, or `undefined` once `max` texts are named (the text then runs unnamed). */
  of(text: string): string | undefined {
    let name = this.#names.get(text);
    if (name === undefined && this.#names.size < this.max) {
      name = `wfc_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
      this.#names.set(text, name);
    }
    return name;
  }

  get size() {
    return this.#names.size;
  }
}

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** `config` as a named statement when it is a parameterised text query pg would send unnamed. */
function withName(names: StatementNames, config: unknown, values: unknown): unknown {
  if (typeof config === "string") {
    const name = Array.isArray(values) && values.length > 0 ? names.of(config) : undefined;
    return name ? { name, text: config } : config;
  }
  // A query config ({ text, values, query_timeout, ... }); a Query object or a named one as is.
  if (typeof config !== "object" || config === null || "submit" in config || "name" in config)
    return config;
  const { text, values: own } = config as { text?: unknown; values?: unknown };
  const params = own ?? values;
  if (typeof text !== "string" || !Array.isArray(params) || params.length === 0) return config;
  const name = names.of(text);
  return name ? { ...config, name } : config;
}

/**
 * A `pg.Client` that sends every parameterised text query as a named statement. DBOS sends its
 * statements unnamed, so PostgreSQL parses and plans each one on every call: most of what a
 * statement costs it, and a workflow runs 30-odd. Named, a statement is parsed once per
 * connection and planned as the server's `plan_cache_mode` judges (a generic plan only where it
 * costs no more than the custom ones). Statements without parameters (BEGIN, COMMIT, DDL) stay
 * simple queries.
 */
export function preparingClient(names: StatementNames): typeof pg.Client {
  return class PreparingClient extends pg.Client {
    constructor(config?: pg.ClientConfig | string) {
      super(config);
      const query = super.query.bind(this) as Query;
      // pg's `query` is a set of overloads; one function covers them all.
      (this as unknown as { query: Query }).query = (config, values, callback) =>
        query(withName(names, config, values), values, callback);
    }
  };
}

export interface SystemPoolOptions {
  databaseUrl: string;
  max: number;
  /** In pg_stat_activity; DBOS's own pool names itself `dbos_transact_<executor>_<version>`. */
  applicationName: string;
  /** Statement names: with them, statements are sent named; without, as plain DBOS sends them. */
  names?: StatementNames;
}

/**
 * The pool DBOS runs on in the worker (its `systemDatabasePool`): as DBOS builds its own, but
 * ours to watch (`stall-watchdog.ts`) and, given `names`, with named statements. Named only for a
 * worker that reaches PostgreSQL directly, as deployed: behind
 * a transaction pooler a named statement belongs to one server connection (RDS Proxy pins the
 * session; pgbouncer needs `max_prepared_statements`), so there `PREPARED_STATEMENTS=off`.
 * DBOS attaches nothing to a pool it is given, so the error handler and the idle-transaction
 * limit it would set are set here. The caller ends the pool after DBOS has shut down.
 */
export function systemPool(options: SystemPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.max,
    application_name: options.applicationName,
    connectionTimeoutMillis: 10_000,
    // In the startup message: no statement of its own, and in force before the first query.
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    Client: options.names ? preparingClient(options.names) : pg.Client,
  });
  // An idle connection that fails is dropped by the pool; without a listener it would crash us.
  pool.on("error", (error) =>
    console.warn(JSON.stringify({ msg: "system pool connection lost", error: error.message })),
  );
  return pool;
}
