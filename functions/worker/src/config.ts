import { loadWorkerConfig, withLinkedSettings, type WorkerConfig } from "@wfc/core";
import { Resource } from "sst";

/**
 * The worker's settings, parsed once: the environment first, then what SST links in
 * (`Resource.Database` under `sst dev` and `npm start`, from `SST_RESOURCE_*`). A variable that is
 * set wins: on ECS the database URL arrives as `DBOS_SYSTEM_DATABASE_URL`, an ECS secret, because
 * linked values would sit in the task definition in plain text.
 * @throws ConfigError naming each bad variable or linked field.
 */
export function workerConfig(
  env: NodeJS.ProcessEnv = process.env,
  links: Record<string, unknown> = Resource as unknown as Record<string, unknown>,
): WorkerConfig {
  return loadWorkerConfig(withLinkedSettings(env, links));
}
