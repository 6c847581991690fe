import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createApiGateway,
  createInvokeApi,
  EnvironmentPool,
  functionEnv,
  functionIdentity,
  gatewayRoutes,
} from "@wfc/lambda-emulator";
import { API_MEMORY_MB, API_RUNTIME, LIVE_FEED_PATHS } from "../../infra/api-function.js";
import { runtimeTarget } from "../../scripts/build-api.js";
import { functionVariables } from "./function-variables.js";
import { buildFunctionBundle } from "./function-bundle.js";
import { lambdaConfig } from "./lambda-config.js";

const listen = (server: Server, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });

/**
 * The local Lambda mode, as its own process: builds the API function as `sst deploy` does, runs
 * it in execution environments (one `node` process each: @wfc/lambda-emulator), and serves the
 * Lambda Invoke API on LAMBDA_PORT and, with API_GATEWAY_PORT, an API Gateway REST API front.
 */
async function main() {
  const config = lambdaConfig();
  const functionName = config.LAMBDA_FUNCTION_NAME;
  const workDir = await mkdtemp(join(tmpdir(), "wfc-lambda-"));
  const bundle = await buildFunctionBundle(workDir);
  if (runtimeTarget(API_RUNTIME) !== `node${process.versions.node.split(".")[0]}`) {
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: `environments run Node ${process.versions.node}; the function's runtime is ${API_RUNTIME}`,
      }),
    );
  }
  // Two functions of one bundle, as infra/api.ts deploys them: live feeds apart, each with its
  // own concurrency. `Api` redirects a feed asked for at another path to its `/live` path.
  const liveName = config.LAMBDA_LIVE_FUNCTION_NAME;
  const functionPool = (name: string, concurrency: number, env: Record<string, string>) =>
    new EnvironmentPool({
      bootstrap: bundle.bootstrap,
      env: functionEnv({
        functionName: name,
        runtime: API_RUNTIME,
        memoryMb: API_MEMORY_MB,
        taskRoot: bundle.api.dir,
        handler: bundle.api.handler,
        variables: { ...functionVariables(process.env, extra), ...env },
        region: process.env.AWS_REGION,
      }),
      functionArn: functionIdentity(name, process.env.AWS_REGION).arn,
      timeoutMs: config.LAMBDA_TIMEOUT_SECONDS * 1000,
      concurrency,
      idleMs: config.LAMBDA_IDLE_SECONDS * 1000,
      output: (line) => console.log(name === functionName ? line : `[${name}] ${line}`),
    });
  const extra = config.LAMBDA_EXTRA_ENV;
  const pool = functionPool(functionName, config.LAMBDA_CONCURRENCY, {
    LIVE_FEED_PATHS_ONLY: "true",
  });
  const livePool = functionPool(liveName, config.LAMBDA_LIVE_CONCURRENCY, {});
  const pools = [pool, livePool];
  const invokeApi = createInvokeApi(
    new Map([
      [functionName, pool],
      [liveName, livePool],
    ]),
  );
  const servers = [invokeApi];
  const port = await listen(invokeApi, config.LAMBDA_PORT, config.LAMBDA_HOST);
  let gatewayPort: number | undefined;
  if (config.API_GATEWAY_PORT !== undefined) {
    const gateway = createApiGateway(gatewayRoutes(LIVE_FEED_PATHS, pool, livePool), {
      stage: config.API_GATEWAY_STAGE,
      apiId: "local",
      idleMs: config.API_GATEWAY_IDLE_SECONDS * 1000,
    });
    servers.push(gateway);
    gatewayPort = await listen(gateway, config.API_GATEWAY_PORT, config.LAMBDA_HOST);
  }
  console.log(
    JSON.stringify({
      msg: "lambda ready",
      port,
      gatewayPort,
      functionName,
      concurrency: config.LAMBDA_CONCURRENCY,
      liveFunctionName: liveName,
      liveConcurrency: config.LAMBDA_LIVE_CONCURRENCY,
      bundleBytes: bundle.api.bytes,
    }),
  );

  // Environments must not outlive this process: a stopped one would never run again. On a
  // stop, wait for them to exit, so none is left to a parent that never reaps it.
  const closeAll = () => Promise.all(pools.map((p) => p.close()));
  process.once("exit", () => void closeAll());
  const stop = () => {
    for (const server of servers) server.closeAllConnections();
    void Promise.all([closeAll(), ...servers.map((s) => new Promise((r) => s.close(r)))])
      .then(() => rm(workDir, { recursive: true, force: true }))
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
