import type { Network } from "./network";
import { isProduction } from "./stage";

/** What `sst dev` connects to instead of RDS: the embedded PostgreSQL `npm start` runs. */
const LOCAL_DATABASE = {
  host: "127.0.0.1",
  port: 54329,
  username: "postgres",
  password: "postgres",
  database: "dbos",
};

/**
 * The DBOS system database: RDS PostgreSQL in private subnets, reachable only from the API's and
 * the worker's security groups (SST's default would admit the whole VPC), with an RDS proxy in
 * production so bursts of Lambda instances share connections. Under `sst dev` nothing is
 * deployed and the link points at a local PostgreSQL.
 *
 * The schema is created and migrated by the worker (`DBOS.launch()`); the API answers 503 until
 * it exists.
 */
export function createDatabase({ vpc, apiSecurityGroup, workerSecurityGroup }: Network) {
  const production = isProduction();
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
    instance: production ? "t4g.small" : "t4g.micro",
    multiAz: production,
    proxy: production,
    dev: LOCAL_DATABASE,
    transform: {
      instance: (args) => {
        args.vpcSecurityGroupIds = securityGroup ? [securityGroup.id] : [];
        args.publiclyAccessible = false;
        args.deletionProtection = production;
        args.skipFinalSnapshot = !production;
        if (production) args.finalSnapshotIdentifier = `${$app.name}-${$app.stage}-final`;
      },
      proxy: (args) => {
        args.vpcSecurityGroupIds = securityGroup ? [securityGroup.id] : [];
      },
    },
  });
  return { database, securityGroup };
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
