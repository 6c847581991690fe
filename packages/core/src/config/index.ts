// Configuration for each process, validated once at start-up. Core never reads the environment
// itself: the entry points pass `process.env` (or SST's linked values) in.
export { ConfigError, parseSettings } from "./parse.js";
export { DEFAULT_APP_VERSION } from "./shared.js";
export { API_SETTINGS, apiSchema, loadApiConfig, type ApiConfig } from "./api.js";
export { isWildcardHost, loadWorkerConfig, workerSchema, type WorkerConfig } from "./worker.js";
export { kindSettingsOf } from "./kind-settings.js";
