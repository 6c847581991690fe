import { databaseUrlFor } from "@wfc/core";
import { sstLinkEnv } from "./sst-links.js";

/** What the stack makes (or takes from the user) for one run and hands to the worker and the API only. */
export interface RunSecrets {
  /** The API's own database role, which the worker creates with this password. */
  apiRole: { name: string; password: string };
  /** The change relay's secret, the same on both sides. */
  relaySecret: string;
  /**
   * The capability tokens' key ring as its `TokenKeys` link (token-keys.ts): the same for both
   * sides, so a link the worker signs inside a workflow verifies at the API.
   */
  tokenKeys: Record<string, string>;
}

/**
 * The worker's environment: the stack's own, with the master `Database` linked as `sst dev`
 * links it, the ports the run fixed, the run's secrets, and `PUBLIC_API_URL`, where the API of
 * this stack answers (`http://localhost:<PORT>`), which links minted inside workflows start
 * with, unless the user set it (a tunnel or a proxy in front of the stack).
 */
export function workerEnv(
  env: NodeJS.ProcessEnv,
  databaseUrl: string,
  secrets: RunSecrets,
  ports: { api: number; health: number; relay: number },
): NodeJS.ProcessEnv {
  return {
    ...env,
    ...sstLinkEnv(databaseUrl),
    ...secrets.tokenKeys,
    HEALTH_PORT: String(ports.health),
    RELAY_PORT: String(ports.relay),
    API_DATABASE_ROLE: secrets.apiRole.name,
    API_DATABASE_PASSWORD: secrets.apiRole.password,
    CHANGE_RELAY_SECRET: secrets.relaySecret,
    PUBLIC_API_URL: env.PUBLIC_API_URL || `http://localhost:${String(ports.api)}`,
  };
}

/**
 * The environment of the API and its Lambda environments: what the deployed function gets, the
 * `ApiDatabase` link as the API's own role (never the master credentials, so a
 * DBOS_SYSTEM_DATABASE_URL the user set does not pass), and the tokens' key ring.
 */
export function apiEnv(
  env: NodeJS.ProcessEnv,
  databaseUrl: string,
  secrets: RunSecrets,
): NodeJS.ProcessEnv {
  const base = { ...env };
  delete base.DBOS_SYSTEM_DATABASE_URL;
  const { name, password } = secrets.apiRole;
  return {
    ...base,
    ...sstLinkEnv(databaseUrlFor(databaseUrl, name, password), "local", "ApiDatabase"),
    ...secrets.tokenKeys,
  };
}
