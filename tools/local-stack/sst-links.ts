/** The app name sst.config.ts declares; `sst dev` links it as `Resource.App`. */
const APP_NAME = "workflow-communication";

/**
 * The variables `sst dev` sets for a process it runs with links (`SST_RESOURCE_<Name>`, JSON):
 * the App and a linked Postgres database, here pointing at the local one: `Database` (the master
 * user, the worker's) or `ApiDatabase` (the API's own role, all the deployed function links). The
 * worker and the API read them through `Resource` from "sst", so `npm start` exercises the same
 * path as `sst dev`.
 */
export function sstLinkEnv(
  databaseUrl: string,
  stage = "local",
  link: "Database" | "ApiDatabase" = "Database",
): Record<string, string> {
  const url = new URL(databaseUrl);
  const database = {
    database: decodeURIComponent(url.pathname.slice(1)),
    host: url.hostname,
    password: decodeURIComponent(url.password),
    port: Number(url.port || 5432),
    type: "sst.aws.Postgres",
    username: decodeURIComponent(url.username),
  };
  return {
    SST_RESOURCE_App: JSON.stringify({ name: APP_NAME, stage }),
    [`SST_RESOURCE_${link}`]: JSON.stringify(database),
  };
}
