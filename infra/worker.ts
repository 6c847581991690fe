import type { ApiDatabaseCredentials } from "./api-database";
import { DEPLOYMENT_MAXIMUM_PERCENT, type ConnectionBudget } from "./connection-budget";
import type { Network } from "./network";
import { workerServiceName } from "./release-names";
import type { RelaySecret } from "./relay-secret";
import { releaseParameter, type DrainingRelease } from "./releases";
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
  /** What the API sends the relay; deployed, with the Secrets Manager secret that holds it. */
  relaySecret: RelaySecret;
  /** The SSM parameter holding the worker's database URL (deploy only). */
  databaseUrl?: aws.ssm.Parameter;
  /** The tokens' key ring (`TOKEN_KEYS`), which signs approval links; linked under `sst dev`. */
  tokenKeys: sst.Secret;
  /** The SSM parameter holding the key ring's value (deploy only; infra/secrets.ts). */
  tokenKeysParameter?: aws.ssm.Parameter;
  /** The API's public URL (infra/gateway.ts), which links minted inside workflows start with. */
  publicApiUrl: $util.Input<string>;
  /** The application version this deploy builds from source and points the API at. */
  version: string;
  /** The older version still finishing its workflows, kept running on its own image. */
  draining?: DrainingRelease;
}

/** Under `sst dev` the API and the worker run on one machine: the relay stays on loopback. */
const LOCAL_RELAY_HOST = "127.0.0.1";

/** Where SST builds the worker's image from. */
const WORKER_BUILD = { context: ".", dockerfile: "functions/worker/Dockerfile" };

/**
 * The workers: an ECS cluster with one Fargate service per live application version (docs/operations/
 * releases.md), the current version's built from `functions/worker/Dockerfile` and a draining
 * one's running the image it ran as the current version. Each is in private subnets without a
 * public IP, in the workers' security group, with no load balancer (it pulls work from
 * PostgreSQL), and registered in the VPC's Cloud Map namespace; the API finds the current
 * version's change relay there. Under `sst dev` the one worker runs locally instead, linked to
 * the database, and there are no releases.
 */
export function createWorker(args: WorkerArgs) {
  const { vpc, workerSecurityGroup } = args.network;
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
      cluster: (clusterArgs) => {
        // RunningTaskCount, the denominator of the backlog-per-task scaling (infra/worker-scaling.ts).
        clusterArgs.settings = [{ name: "containerInsights", value: "enabled" }];
      },
    },
  });

  if ($dev) {
    const service = createVersionService(cluster, args, {
      name: "Worker",
      version: args.version,
      image: WORKER_BUILD,
      maxTasks: args.budget.workerMaxTasks,
    });
    return { cluster, service, relayUrl: `http://${LOCAL_RELAY_HOST}:${RELAY_PORT}` };
  }

  if (args.draining) {
    createVersionService(cluster, args, {
      name: workerServiceName(args.draining.version),
      version: args.draining.version,
      image: args.draining.image,
      maxTasks: args.budget.drainingWorkerMaxTasks,
    });
  }
  const name = workerServiceName(args.version);
  const service = createVersionService(cluster, args, {
    name,
    version: args.version,
    image: {
      ...WORKER_BUILD,
      // Besides SST's tag (the service's name, shared by every stage of the app in SST's asset
      // repository), one this stage alone moves: the image stays tagged while it drains.
      tags: [`${$app.name}-${$app.stage}-${name.toLowerCase()}`],
    },
    maxTasks: args.budget.workerMaxTasks,
  });
  registerRelease(name, args.version, service);
  // Every task's address is registered under this name (an A record per task): any of them
  // answers, since each relay listens on the same database. A draining version keeps its own
  // name, which nothing calls.
  const relayUrl = $interpolate`http://${service.service}:${RELAY_PORT}`;
  return { cluster, service, relayUrl };
}

interface VersionService {
  /** The component's name: every resource of the service is named after it. */
  name: string;
  version: string;
  /** A build of the current source, or the image URI a draining version ran. */
  image: { context: string; dockerfile: string; tags?: string[] } | string;
  maxTasks: number;
}

/**
 * One version's worker service. Declared the same way whether its version is current or
 * draining (the image as the same URI, the same environment and roles), so a release leaves the
 * old version's service and task definition untouched: only its scaling maximum drops to the
 * draining one.
 */
function createVersionService(
  cluster: sst.aws.Cluster,
  {
    budget,
    database,
    apiCredentials,
    relaySecret,
    databaseUrl,
    tokenKeys,
    tokenKeysParameter,
    publicApiUrl,
    network,
  }: WorkerArgs,
  { name, version, image, maxTasks }: VersionService,
) {
  const apiSecret = apiCredentials.secret;
  const relayKey = relaySecret.secret;
  const deployed =
    databaseUrl && apiSecret && relayKey && tokenKeysParameter
      ? { databaseUrl, apiSecret, relayKey, tokenKeysParameter }
      : undefined;
  const secrets = deployed && {
    DBOS_SYSTEM_DATABASE_URL: deployed.databaseUrl.arn,
    API_DATABASE_PASSWORD: $interpolate`${deployed.apiSecret.arn}:password::`,
    CHANGE_RELAY_SECRET: deployed.relayKey.arn,
    TOKEN_KEYS: deployed.tokenKeysParameter.arn,
  };
  const registryEntry = releaseParameter(version);

  const service = new sst.aws.Service(name, {
    cluster,
    image,
    cpu: "1 vCPU",
    memory: "2 GB",
    // `sst dev` deploys no task definition: its local process may get the password as a variable.
    environment: $dev
      ? {
          ...workerEnvironment(version, budget, LOCAL_RELAY_HOST),
          PUBLIC_API_URL: publicApiUrl,
          API_DATABASE_PASSWORD: apiCredentials.password,
          CHANGE_RELAY_SECRET: relaySecret.value,
        }
      : {
          ...workerEnvironment(version, budget),
          PUBLIC_API_URL: publicApiUrl,
          // Not the keys: the parameter's version, which a new ring changes, so that the task
          // definition changes and ECS replaces the tasks, which read TOKEN_KEYS only at start.
          // Else a worker could go on signing with a key the API no longer has.
          ...(deployed && {
            TOKEN_KEYS_PARAMETER_VERSION: deployed.tokenKeysParameter.version.apply(String),
          }),
          // The name the API calls this version's relay by: any other Host is refused.
          RELAY_ALLOWED_HOSTS: relayHostName(name, network),
          METRIC_STAGE: $app.stage,
          // Where the worker deletes its registry entry once it has retired.
          RELEASE_REGISTRY_PARAMETER: registryEntry,
        },
    // Deployed: the URL and the tokens' key ring (SSM), the API role's password (Secrets Manager,
    // the JSON key of the proxy's secret) and the relay's secret arrive as ECS secrets. `sst dev`:
    // the local process reads the linked database and key ring.
    ssm: secrets,
    link: $dev ? [database, tokenKeys] : [],
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
      max: maxTasks,
      cpuUtilization: 70,
      memoryUtilization: false,
    },
    // Deploy the API only once a worker runs: then the schema exists before the first request,
    // and a release's new version has started before any start is stamped with it.
    wait: true,
    dev: { command: "node --import tsx functions/worker/src/main.ts" },
    transform: {
      image: (_, opts) => {
        // Deleting a docker-build Image deletes its digest from the registry. The next release
        // no longer declares this version's build, yet its draining service still pulls it.
        opts.retainOnDelete = true;
      },
      service: (serviceArgs) => {
        // No `ecs exec` into a container that holds the database URL.
        serviceArgs.enableExecuteCommand = false;
        // ECS's default, stated: the connection budget counts twice the tasks during a deploy.
        serviceArgs.deploymentMaximumPercent = DEPLOYMENT_MAXIMUM_PERCENT;
      },
      taskRole: (roleArgs) => {
        // The one AWS call the worker makes: deleting its own registry entry when it retires.
        roleArgs.inlinePolicies = $dev
          ? []
          : [
              {
                name: "inline",
                policy: aws.iam.getPolicyDocumentOutput({
                  statements: [
                    { actions: ["ssm:DeleteParameter"], resources: [parameterArn(registryEntry)] },
                  ],
                }).json,
              },
            ];
      },
      executionRole: (roleArgs) => {
        // ECS reads exactly its four secrets at start-up; SST's default is every SSM parameter
        // and Secrets Manager secret in the account.
        roleArgs.inlinePolicies = deployed
          ? [
              {
                name: "inline",
                policy: aws.iam.getPolicyDocumentOutput({
                  statements: [
                    {
                      actions: ["ssm:GetParameters"],
                      resources: [deployed.databaseUrl.arn, deployed.tokenKeysParameter.arn],
                    },
                    {
                      actions: ["secretsmanager:GetSecretValue"],
                      resources: [deployed.apiSecret.arn, deployed.relayKey.arn],
                    },
                  ],
                }).json,
              },
            ]
          : [];
      },
      taskDefinition: (definitionArgs) => {
        // SIGTERM, then SIGKILL after this long: more than the worker's own grace period.
        definitionArgs.containerDefinitions = $output(definitionArgs.containerDefinitions).apply(
          (json) =>
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
      name,
      version,
      target: service.nodes.autoScalingTarget,
      clusterName: cluster.nodes.cluster.name,
      serviceName: service.nodes.service.name,
    });
  }
  return service;
}

/**
 * The DNS name of a version's service in the VPC's Cloud Map namespace, as SST registers it
 * (`<component>.<stage>.<app>`, in the namespace): the host of the API's `CHANGE_RELAY_URL`.
 */
function relayHostName(name: string, network: Network) {
  return $interpolate`${name}.${$app.stage}.${$app.name}.${network.vpc.nodes.cloudmapNamespace.name}`;
}

/**
 * An SSM parameter's ARN from its name, so a role may name a parameter this deploy does not
 * declare (a draining version's) and the current version's role does not wait for its own.
 */
function parameterArn(name: string) {
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const account = aws.getCallerIdentityOutput().accountId;
  return $interpolate`arn:${partition}:ssm:${region}:${account}:parameter${name}`;
}

/**
 * The current version's registry entry: the image its service runs (as its task definition names
 * it), created only once the service is steady, so a version whose workers never start is never
 * listed. Kept in AWS when a later deploy stops declaring it (`retainOnDelete`): from then on the
 * registry tells every deploy to keep that version's service until its worker deletes the entry.
 */
function registerRelease(name: string, version: string, service: sst.aws.Service) {
  const taskDefinition = service.nodes.taskDefinition;
  const image = taskDefinition.containerDefinitions.apply(
    (json) => (JSON.parse(json) as { image: string }[])[0]!.image,
  );
  return new aws.ssm.Parameter(
    `${name}Release`,
    {
      name: releaseParameter(version),
      type: "String",
      value: image,
      description: `The worker image of application version ${version} (see docs/operations/releases.md)`,
      // An entry left in AWS by an earlier deploy of this version is taken over, not an error.
      overwrite: true,
    },
    { retainOnDelete: true, dependsOn: [service] },
  );
}
