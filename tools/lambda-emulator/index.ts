// The Lambda emulator's public entry: execution environments, the Invoke API and an API Gateway
// REST front. What it reproduces of AWS and what it does not: README.md.
export { createApiGateway, gatewayRoutes, type ApiGatewayOptions } from "./api-gateway.js";
export { functionEnv, functionIdentity, type FunctionEnvOptions } from "./function-env.js";
export { createInvokeApi, STATS_PATH } from "./invoke-api.js";
export { EnvironmentPool, type PoolOptions, type PoolStats } from "./pool.js";
export { buildBootstrap } from "./runtime-bundle.js";
