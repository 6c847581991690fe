/**
 * The database's connection budget, per stage: who may hold how many connections to the RDS
 * instance, and proof that together they stay below its `max_connections`. Pure arithmetic, no
 * SST: infra/ reads every number it puts on a resource from here (the parameter group, the RDS
 * proxy, the Lambda concurrency, the worker's environment), and the graph test asserts both the
 * sum and that the resources carry these values. docs/operations/deploy.md shows the table.
 */

/**
 * What one worker task opens, by purpose. The worker's settings carry the pool sizes
 * (infra/worker-container.ts); the single connections are fixed by its code.
 */
export const WORKER_CONNECTIONS_PER_TASK = {
  /** DBOS's system-database pool: the worker's `DB_POOL_SIZE`. */
  dbosPool: 10,
  /** The liveness heartbeat's own one-connection pool, so busy workflows cannot delay it. */
  heartbeat: 1,
  /** The change relay's pool for the reads it answers waits with: `RELAY_POOL_SIZE`. */
  relayPool: 4,
  /** The one LISTEN connection of the change relay, on the instance itself. */
  relayListen: 1,
  /**
   * The client that migrates the schema, registers queues and ensures the API's role; once that
   * is done, the backlog metric's one short-lived connection per sample.
   */
  setup: 1,
} as const;

/**
 * Connections per API execution environment (the API's `DB_POOL_SIZE`). One invocation at a
 * time, and waits hold none (the relay answers them), so two cover a request's parallel reads.
 */
export const API_DB_POOL_SIZE = 2;

/**
 * Slots PostgreSQL and RDS keep out of every application role's reach (AWS: the non-superuser
 * maximum is max_connections - superuser_reserved_connections - rds.rds_superuser_reserved_connections).
 * Both are left at their defaults, which these are.
 */
export const RESERVED_CONNECTIONS = {
  /** `superuser_reserved_connections`: for `rdsadmin`, RDS's own monitoring and maintenance. */
  superuser: 3,
  /** `rds.rds_superuser_reserved_connections`: for the master user when all else is taken. */
  rdsSuperuser: 2,
} as const;

/** A person's `psql` or a one-off script as the master user, kept apart from the workers'. */
export const OPERATOR_SESSIONS = 2;

/**
 * ECS starts a deployment's new tasks before it stops the old ones, up to this percentage of
 * the desired count (ECS's default, set explicitly): during a rolling deploy twice the tasks run.
 */
export const DEPLOYMENT_MAXIMUM_PERCENT = 200;

/**
 * How long a client of the RDS proxy waits for a free database connection before its query
 * fails (AWS's default is 120 s): a saturated proxy turns into a prompt 503, not a hung request.
 */
export const PROXY_BORROW_TIMEOUT_SECONDS = 5;

/** The capacity decisions of one kind of stage; everything else is derived. */
interface StageCapacity {
  /** The RDS instance class (without `db.`). */
  instance: string;
  /** `max_connections`, set in the instance's parameter group (below the memory-based default). */
  maxConnections: number;
  /** The current version's worker service's scaling maximum. */
  workerMaxTasks: number;
  /**
   * The scaling maximum of the older version's service while it drains during a release (docs/operations/
   * releases.md): it only finishes what it started, and at most one such service runs.
   */
  drainingWorkerMaxTasks: number;
  /** The API function's reserved concurrency: at most this many environments at once. */
  apiReservedConcurrency: number;
  /**
   * The live-feed function's (`ApiLive`) reserved concurrency: open feeds at most. Apart from
   * the API's, so feeds (and feeds whose clients left, which run on to their time limit) never
   * take a short call's environment; same pool per environment.
   */
  apiLiveReservedConcurrency: number;
  /** Production only: the RDS proxy's share of max_connections (`MaxConnectionsPercent`). */
  proxyMaxConnectionsPercent?: number;
}

const PRODUCTION: StageCapacity = {
  // 2 GiB: RDS's default would be about 225.
  instance: "t4g.small",
  maxConnections: 200,
  // (3 + 1) x 2 tasks at once: the eight tasks that fit beside the API's share.
  workerMaxTasks: 3,
  drainingWorkerMaxTasks: 1,
  // Through the proxy the environments share its connections, so these bound cost, not slots.
  apiReservedConcurrency: 100,
  apiLiveReservedConcurrency: 50,
  proxyMaxConnectionsPercent: 25,
};

const DISPOSABLE: StageCapacity = {
  // 1 GiB: RDS's default would be about 112.
  instance: "t4g.micro",
  maxConnections: 100,
  workerMaxTasks: 1,
  drainingWorkerMaxTasks: 1,
  // Direct connections: each environment holds its pool, so these bound the role's connections;
  // (6 + 4) x 2 leaves room for the four worker tasks of a release.
  apiReservedConcurrency: 6,
  apiLiveReservedConcurrency: 4,
};

/** One stage's budget: its capacity decisions and what follows from them. */
export interface ConnectionBudget extends StageCapacity {
  reserved: number;
  operators: number;
  workerConnectionsPerTask: number;
  /**
   * The most worker tasks at once: both services' scaling maxima (the current version's and a
   * draining one's), each doubled for a rolling deploy of its own.
   */
  workerTasksAtOnce: number;
  workers: number;
  apiDbPoolSize: number;
  /** Connections the API's database role may hold (`CONNECTION LIMIT`, set by the worker). */
  apiRoleConnectionLimit: number;
  /** Production only: the most connections the proxy opens, all users together. */
  proxyMaxConnections?: number;
  /** What the API side may hold on the instance: the proxy's cap, or the role's limit. */
  api: number;
  /** Everything above that holds a slot. */
  total: number;
  /** max_connections - total: what is never used, above zero by construction. */
  headroom: number;
}

/**
 * The budget of the production stage or of any other one. `sst dev` runs the disposable shape's
 * settings against the local PostgreSQL.
 * @throws Error when the parts do not fit below max_connections, so no such stage deploys.
 */
export function connectionBudget(production: boolean): ConnectionBudget {
  const capacity = production ? PRODUCTION : DISPOSABLE;
  const reserved = RESERVED_CONNECTIONS.superuser + RESERVED_CONNECTIONS.rdsSuperuser;
  const workerConnectionsPerTask = Object.values(WORKER_CONNECTIONS_PER_TASK).reduce(
    (a, b) => a + b,
    0,
  );
  // A release leaves the draining service's task definition as it was, but a deploy that changes
  // every service (a pool size, SST's own output) rolls both at once.
  const workerTasksAtOnce =
    ((capacity.workerMaxTasks + capacity.drainingWorkerMaxTasks) * DEPLOYMENT_MAXIMUM_PERCENT) /
    100;
  const workers = workerConnectionsPerTask * workerTasksAtOnce;

  // Production: the proxy opens at most its share of max_connections, as the API's role; the
  // role's limit equals that share, so it binds only a client that bypasses the proxy.
  // Elsewhere every environment connects directly and may fill its whole pool.
  const proxyMaxConnections =
    capacity.proxyMaxConnectionsPercent === undefined
      ? undefined
      : Math.floor((capacity.maxConnections * capacity.proxyMaxConnectionsPercent) / 100);
  const apiRoleConnectionLimit =
    proxyMaxConnections ??
    (capacity.apiReservedConcurrency + capacity.apiLiveReservedConcurrency) * API_DB_POOL_SIZE;
  const api = Math.max(proxyMaxConnections ?? 0, apiRoleConnectionLimit);

  const total = reserved + OPERATOR_SESSIONS + workers + api;
  const headroom = capacity.maxConnections - total;
  if (headroom <= 0) {
    throw new Error(
      `Connection budget over max_connections ${capacity.maxConnections}: ${total} ` +
        `(reserved ${reserved}, operators ${OPERATOR_SESSIONS}, workers ${workers}, API ${api})`,
    );
  }
  return {
    ...capacity,
    reserved,
    operators: OPERATOR_SESSIONS,
    workerConnectionsPerTask,
    workerTasksAtOnce,
    workers,
    apiDbPoolSize: API_DB_POOL_SIZE,
    apiRoleConnectionLimit,
    ...(proxyMaxConnections === undefined ? {} : { proxyMaxConnections }),
    api,
    total,
    headroom,
  };
}
