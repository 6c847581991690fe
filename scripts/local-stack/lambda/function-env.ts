import { randomBytes } from "node:crypto";
import { API_MEMORY_MB, API_RUNTIME } from "../../../infra/api-function.js";
import type { FunctionBundle } from "./function-bundle.js";

/**
 * What the deployed function's environment holds besides Lambda's own variables: its SST links
 * (`SST_RESOURCE_*`), the variables infra/api.ts sets, and the local stand-ins for linked values
 * (`npm start` passes the database and secrets as variables).
 */
const DEPLOYED = ["APP_VERSION", "LOG_LEVEL"];
const LINK_STAND_INS = ["DBOS_SYSTEM_DATABASE_URL", "API_KEYS", "WEBHOOK_SECRET"];

export interface FunctionEnvOptions {
  functionName: string;
  bundle: FunctionBundle;
  /** Names of further variables to pass on. */
  extra: string[];
}

/** The identity Lambda gives a function; region from the caller's AWS_REGION, if any. */
export function functionIdentity(functionName: string, region = "us-east-1") {
  return {
    region,
    arn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
  };
}

/**
 * The environment of one execution environment, from the lambda server's own: what the deployed
 * function would see, and nothing else (no NODE_OPTIONS, no loader, no test runner variables).
 */
export function functionEnv(
  from: NodeJS.ProcessEnv,
  { functionName, bundle, extra }: FunctionEnvOptions,
): Record<string, string> {
  const passed = Object.entries(from).filter(
    ([name, value]) =>
      value !== undefined &&
      (name.startsWith("SST_RESOURCE_") ||
        [...DEPLOYED, ...LINK_STAND_INS, ...extra].includes(name)),
  ) as [string, string][];
  const { region } = functionIdentity(functionName, from.AWS_REGION);
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  return {
    PATH: from.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${API_RUNTIME}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(API_MEMORY_MB),
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString("hex")}`,
    LAMBDA_TASK_ROOT: bundle.api.dir,
    _HANDLER: bundle.api.handler,
    ...Object.fromEntries(passed),
  };
}
