import { loadApiConfig, type ApiConfig } from "@wfc/core";

/** The API's settings, parsed once from the environment. @throws ConfigError */
export function apiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return loadApiConfig(env);
}
