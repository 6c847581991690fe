import { loadApiConfig, withLinkedSettings, type ApiConfig } from "@wfc/core";
import { Resource } from "sst";

/**
 * The API's settings, parsed once: the environment first, then what SST links in
 * (`Resource.Database`, `Resource.ApiKeys`, `Resource.WebhookSecret`; on Lambda decrypted from the
 * bundle, under `sst dev` and `npm start` from `SST_RESOURCE_*`). A variable that is set wins, so
 * `DBOS_SYSTEM_DATABASE_URL` overrides the linked database.
 * @throws ConfigError naming each bad variable or linked field.
 */
export function apiConfig(
  env: NodeJS.ProcessEnv = process.env,
  links: Record<string, unknown> = Resource as unknown as Record<string, unknown>,
): ApiConfig {
  return loadApiConfig(withLinkedSettings(env, links));
}
