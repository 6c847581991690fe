import { API_DATABASE_ROLE } from "./worker-container";

/** The name the API function's database link has (LINKS.apiDatabase in @wfc/core). */
const API_DATABASE_LINK = "ApiDatabase";

/**
 * The API's own database role's credentials: a generated password and, wherever RDS is deployed,
 * a Secrets Manager secret `{"username","password"}`, the format the RDS proxy authenticates
 * with. The worker creates the role from them at start-up (the password reaches it as an ECS
 * secret read from this secret). Under `sst dev` there is no secret: the local worker gets the
 * password in its environment.
 */
export async function createApiDatabaseCredentials() {
  // SST's platform ships the provider it generates its own passwords with; loaded inside run(),
  // where the platform's packages resolve (a static import would be hoisted into app()'s bundle).
  const { RandomPassword } = await import("@pulumi/random");
  const password = new RandomPassword("ApiDatabasePassword", { length: 32, special: false }).result;
  if ($dev) return { password, secret: undefined };
  const secret = new aws.secretsmanager.Secret("ApiDatabaseSecret", {
    description: `The ${API_DATABASE_ROLE} database role of the API: RDS proxy and worker`,
    recoveryWindowInDays: 0,
  });
  new aws.secretsmanager.SecretVersion("ApiDatabaseSecretVersion", {
    secretId: secret.id,
    secretString: $jsonStringify({ username: API_DATABASE_ROLE, password }),
  });
  return { password, secret };
}

export type ApiDatabaseCredentials = Awaited<ReturnType<typeof createApiDatabaseCredentials>>;

/**
 * What the API function links instead of the master `Database`: the same database as the API's
 * role. Its host is the database's own: the RDS proxy's endpoint in production, the instance
 * elsewhere, the local PostgreSQL under `sst dev` (where the local worker creates the role).
 */
export function createApiDatabaseLink(database: sst.aws.Postgres, password: $util.Output<string>) {
  return new sst.Linkable(API_DATABASE_LINK, {
    properties: {
      host: database.host,
      port: database.port,
      username: API_DATABASE_ROLE,
      password,
      database: database.database,
    },
  });
}
