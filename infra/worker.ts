import type { Network } from "./network";
import { appVersion, isProduction } from "./stage";
import { STOP_TIMEOUT_SECONDS, WORKER_HEALTH_CHECK, workerEnvironment } from "./worker-container";

interface WorkerArgs {
  network: Network;
  database: sst.aws.Postgres;
  /** The SSM parameter holding the worker's database URL (deploy only). */
  databaseUrl?: aws.ssm.Parameter;
}

/**
 * The worker: an ECS Fargate service built from `functions/worker/Dockerfile`, in private
 * subnets without a public IP, in its own security group, with no load balancer (it only pulls
 * work from PostgreSQL). Under `sst dev` it runs locally instead, linked to the database.
 */
export function createWorker({ network, database, databaseUrl }: WorkerArgs) {
  const { vpc, workerSecurityGroup } = network;
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
  });

  const service = new sst.aws.Service("Worker", {
    cluster,
    image: { context: ".", dockerfile: "functions/worker/Dockerfile" },
    cpu: "1 vCPU",
    memory: "2 GB",
    environment: workerEnvironment(appVersion()),
    // Deployed: the URL comes from SSM as an ECS secret. `sst dev`: the local process reads the
    // linked database (it deploys no task definition, so nothing is written in plain text).
    ssm: databaseUrl ? { DBOS_SYSTEM_DATABASE_URL: databaseUrl.arn } : undefined,
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
      max: isProduction() ? 4 : 1,
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
      },
      taskRole: (args) => {
        // The worker calls no AWS API: its task role grants nothing (SST adds ecs-exec).
        args.inlinePolicies = [];
      },
      executionRole: (args) => {
        // ECS reads exactly one secret at start-up; SST's default is every SSM parameter and
        // Secrets Manager secret in the account.
        args.inlinePolicies = databaseUrl
          ? [
              {
                name: "inline",
                policy: aws.iam.getPolicyDocumentOutput({
                  statements: [{ actions: ["ssm:GetParameters"], resources: [databaseUrl.arn] }],
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
  return { cluster, service };
}
