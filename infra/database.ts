import type { ApiDatabaseCredentials } from "./api-database";
import { PROXY_BORROW_TIMEOUT_SECONDS, type ConnectionBudget } from "./connection-budget";
import type { Network } from "./network";
import { LOCAL_DATABASE } from "./local-database";
import { isProduction } from "./stage";

interface DatabaseArgs {
  network: Network;
  budget: ConnectionBudget;
  /** The API role's secret, which the RDS proxy authenticates besides the master user's. */
  apiCredentials: ApiDatabaseCredentials;
}

/**
 * The DBOS system database: RDS PostgreSQL in private subnets, reachable only from the API's and
 * the worker's security groups (SST's default would admit the whole VPC), with an RDS proxy in
 * production so bursts of Lambda instances share connections. Its max_connections and the
 * proxy's share of it are the connection budget's. Under `sst dev` nothing is deployed and the
 * link points at a local PostgreSQL.
 *
 * The schema is created and migrated by the worker (`DBOS.launch()`); the API answers 503 until
 * it exists.
 */
export function createDatabase({ network, budget, apiCredentials }: DatabaseArgs) {
  const { vpc, apiSecurityGroup, workerSecurityGroup } = network;
  const production = isProduction();
  if (production && apiCredentials.secret) configureProxy(apiCredentials.secret, budget);
  const securityGroup = $dev
    ? undefined
    : new aws.ec2.SecurityGroup("DatabaseSecurityGroup", {
        vpcId: vpc.id,
        description: "PostgreSQL: only from the API and the worker",
        ingress: [
          {
            description: "API and worker",
            protocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            securityGroups: [apiSecurityGroup.id, workerSecurityGroup.id],
          },
          // The proxy shares this group and reaches the instance through it.
          ...(production
            ? [
                {
                  description: "RDS proxy",
                  protocol: "tcp",
                  fromPort: 5432,
                  toPort: 5432,
                  self: true,
                },
              ]
            : []),
        ],
        // The proxy fetches the database's credentials from Secrets Manager (through NAT).
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
      });

  const database = new sst.aws.Postgres("Database", {
    vpc,
    version: "17",
    database: "dbos",
    instance: budget.instance,
    multiAz: production,
    proxy: production,
    dev: LOCAL_DATABASE,
    transform: {
      parameterGroup: (args) => {
        // Explicit, so the budget adds up against a known number rather than one RDS derives
        // from the instance's memory. Static: a change applies at the next reboot.
        args.parameters = $output(args.parameters).apply((parameters) => [
          ...(parameters ?? []),
          {
            name: "max_connections",
            value: String(budget.maxConnections),
            applyMethod: "pending-reboot",
          },
        ]);
      },
      instance: (args) => {
        args.vpcSecurityGroupIds = securityGroup ? [securityGroup.id] : [];
        args.publiclyAccessible = false;
        args.deletionProtection = production;
        args.skipFinalSnapshot = !production;
        if (production) args.finalSnapshotIdentifier = `${$app.name}-${$app.stage}-final`;
      },
      proxy: (args) => {
        args.vpcSecurityGroupIds = securityGroup ? [securityGroup.id] : [];
        // The API connects through the proxy as its own role, with its own secret.
        const apiSecret = apiCredentials.secret;
        if (apiSecret) {
          args.auths = $output(args.auths).apply((auths) =>
            apiSecret.arn.apply((secretArn) => [
              ...(auths ?? []),
              { authScheme: "SECRETS", iamAuth: "DISABLED", secretArn },
            ]),
          );
        }
      },
    },
  });
  return { database, securityGroup };
}

/**
 * What SST's Postgres component gives no handle for: its proxy role may also read the API's
 * secret (and still nothing else), and its target group opens at most the budget's share of
 * max_connections and lets a client wait only briefly for one. Applied as SST's transforms of
 * those resource types, which the component creates once (production only).
 */
function configureProxy(apiSecret: aws.secretsmanager.Secret, budget: ConnectionBudget) {
  $transform(aws.iam.Role, (args, _opts, name) => {
    if (name !== "DatabaseProxyRole") return;
    args.inlinePolicies = $output(args.inlinePolicies).apply((policies) =>
      apiSecret.arn.apply((arn) =>
        (policies ?? []).map((policy) => ({ ...policy, policy: withSecret(policy.policy!, arn) })),
      ),
    );
  });
  $transform(aws.rds.ProxyDefaultTargetGroup, (args) => {
    args.connectionPoolConfig = {
      maxConnectionsPercent: budget.proxyMaxConnectionsPercent,
      // Idle server connections may stay open: they are inside the budget anyway.
      maxIdleConnectionsPercent: budget.proxyMaxConnectionsPercent,
      connectionBorrowTimeout: PROXY_BORROW_TIMEOUT_SECONDS,
    };
  });
}

/** An IAM policy document whose secret reads also cover `arn`. */
function withSecret(json: string, arn: string): string {
  const document = JSON.parse(json) as { Statement: { Action: unknown; Resource: unknown }[] };
  for (const statement of document.Statement) {
    if ([statement.Action].flat().includes("secretsmanager:GetSecretValue")) {
      statement.Resource = [...[statement.Resource].flat(), arn];
    }
  }
  return JSON.stringify(document);
}

/**
 * The worker's connection string as an encrypted SSM parameter, handed to the container as an
 * ECS secret: linking the database would put its password in the task definition in plain text.
 * The worker connects to the instance itself, never through the proxy: it holds long-lived
 * LISTEN connections that a proxy would pin anyway.
 */
export function createWorkerDatabaseUrl(database: sst.aws.Postgres) {
  const instance = database.nodes.instance!;
  const url = $resolve([
    database.username,
    database.password,
    instance.address,
    instance.port,
    database.database,
  ]).apply(([user, password, host, port, name]) => {
    const [u, p] = [encodeURIComponent(user), encodeURIComponent(password)];
    return `postgresql://${u}:${p}@${host}:${port}/${encodeURIComponent(name)}`;
  });
  return new aws.ssm.Parameter("WorkerDatabaseUrl", {
    name: `/${$app.name}/${$app.stage}/worker/database-url`,
    type: "SecureString",
    value: url,
    description: "DBOS_SYSTEM_DATABASE_URL of the worker service",
  });
}
