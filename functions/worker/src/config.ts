import { loadWorkerConfig, type WorkerConfig } from "@wfc/core";

/** The worker's settings, parsed once from the environment. @throws ConfigError */
export function workerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return loadWorkerConfig(env);
}
