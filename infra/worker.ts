import type { ApiDatabaseCredentials } from "./api-database";
import { DEPLOYMENT_MAXIMUM_PERCENT, type ConnectionBudget } from "./connection-budget";
import type { Network } from "./network";
import { appVersion } from "./stage";
import {
  RELAY_PORT,
  STOP_TIMEOUT_SECONDS,
  WORKER_HEALTH_CHECK,
  workerEnvironment,
} from "./worker-container";
import { createBacklogScaling } from "./worker-scaling";

interface WorkerArgs {
  network: Network;
  database: sst.aws.Postgres;
  budget: ConnectionBudget;
  /** The API role's password (and, deployed, the secret that holds it), for the role it creates. */
  apiCredentials: ApiDatabaseCredentials;
  /** The SSM parameter holding the worker's database URL (deploy only). */
  databaseUrl?: aws.ssm.Parameter;
}

/** Under `sst dev` the API and the worker run on one machine: the relay stays on loopback. */
const LOCAL_RELAY_HOST = "127.0.0.1";

/**
 * The worker: an ECS Fargate service built from `functions/worker/Dockerfile`, in private
 * subnets without a public IP, in its own security group, with no load balancer (it pulls work
 * from PostgreSQL). It is registered in the VPC's Cloud Map namespace, where the API finds its
 * change relay. Under `sst dev` it runs locally instead, linked to the database.
 */
export function createWorker({
  network,
  database,
  budget,
  apiCredentials,
  databaseUrl,
}: WorkerArgs) {
  const { vpc, workerSecurityGroup } = network;
  const apiSecret = apiCredentials.secret;
  const secrets =
    databaseUrl && apiSecret
      ? {
          DBOS_SYSTEM_DATABASE_URL: databaseUrl.arn,
          API_DATABASE_PASSWORD: $interpolate`${apiSecret.arn}:password::`,
        }
      : undefined;
  const cluster = new sst.aws.Cluster("Cluster", {
    // An explicit VPC shape: given the Vpc component itself, SST puts services in public subnets
    // with public IPs.
    vpc: {
      id: vpc.id,
      securityGroups: [workerSecurityGroup.id],
      containerSubnets: vpc.privateSubnets,
      loadBalancerSubnets: vpc.publicSubnets,
      cloudmapNamespaceId: vpc.nodes.cloudmapNamespace.id,
      cloudmapNamespaceName: vpc.nodes.cloudmapNamespace.name,
    },
    transform: {
      cluster: (args) => {
        // RunningTaskCount, the denominator of the backlog-per-task scaling (infra/worker-scaling.ts).
        args.settings = [{ name: "containerInsights", value: "enabled" }];
      },
    },
  });

  const service = new sst.aws.Service("Worker", {
    cluster,
    image: { context: ".", dockerfile: "functions/worker/Dockerfile" },
    cpu: "1 vCPU",
    memory: "2 GB",
    // `sst dev` deploys no task definition: its local process may get the password as a variable.
    environment: $dev
      ? {
          ...workerEnvironment(appVersion(), budget, LOCAL_RELAY_HOST),
          API_DATABASE_PASSWORD: apiCredentials.password,
        }
      : { ...workerEnvironment(appVersion(), budget), METRIC_STAGE: $app.stage },
    // Deployed: the URL (SSM) and the API role's password (Secrets Manager, the JSON key of the
    // proxy's secret) arrive as ECS secrets. `sst dev`: the local process reads the linked
    // database.
    ssm: secrets,
    link: $dev ? [database] : [],
    health: {
      command: WORKER_HEALTH_CHECK,
      // DBOS.launch() creates or migrates the schema before the health server starts.
      startPeriod: "60 seconds",
      interval: "15 seconds",
      timeout: "5 seconds",
      retries: 3,
    },
    scaling: {
      min: 1,
      max: budget.workerMaxTasks,
      cpuUtilization: 70,
      memoryUtilization: false,
    },
    // Deploy the API only once a worker runs: then the schema exists before the first request.
    wait: true,
    dev: { command: "node --import tsx functions/worker/src/main.ts" },
    transform: {
      service: (args) => {
        // No `ecs exec` into a container that holds the database URL.
        args.enableExecuteCommand = false;
        // ECS's default, stated: the connection budget counts twice the tasks during a deploy.
        args.deploymentMaximumPercent = DEPLOYMENT_MAXIMUM_PERCENT;
      },
      taskRole: (args) => {
        // The worker calls no AWS API: its task role grants nothing (SST adds ecs-exec).
        args.inlinePolicies = [];
      },
      executionRole: (args) => {
        // ECS reads exactly its two secrets at start-up; SST's default is every SSM parameter
        // and Secrets Manager secret in the account.
        args.inlinePolicies =
          databaseUrl && apiSecret
            ? [
                {
                  name: "inline",
                  policy: aws.iam.getPolicyDocumentOutput({
                    statements: [
                      { actions: ["ssm:GetParameters"], resources: [databaseUrl.arn] },
                      { actions: ["secretsmanager:GetSecretValue"], resources: [apiSecret.arn] },
                    ],
                  }).json,
                },
              ]
            : [];
      },
      taskDefinition: (args) => {
        // SIGTERM, then SIGKILL after this long: more than the worker's own grace period.
        args.containerDefinitions = $output(args.containerDefinitions).apply((json) =>
          JSON.stringify(
            (JSON.parse(json) as Record<string, unknown>[]).map((container) => ({
              ...container,
              stopTimeout: STOP_TIMEOUT_SECONDS,
            })),
          ),
        );
      },
    },
  });
  if (!$dev) {
    createBacklogScaling({
      target: service.nodes.autoScalingTarget,
      clusterName: cluster.nodes.cluster.name,
      serviceName: service.nodes.service.name,
    });
  }
  // Every task's address is registered under this name (an A record per task): any of them
  // answers, since each relay listens on the same database.
  const relayUrl = $dev
    ? `http://${LOCAL_RELAY_HOST}:${RELAY_PORT}`
    : $interpolate`http://${service.service}:${RELAY_PORT}`;
  return { cluster, service, relayUrl };
}
