import { randomBytes } from "node:crypto";

export interface FunctionEnvOptions {
  functionName: string;
  /** Lambda's runtime identifier, e.g. `nodejs24.x` (AWS_EXECUTION_ENV). */
  runtime: string;
  memoryMb: number;
  /** The function's task root (`LAMBDA_TASK_ROOT`): where its bundle is. */
  taskRoot: string;
  /** `_HANDLER`: the entry's path in the task root without extension, a dot, the export. */
  handler: string;
  /** The function's own variables (what its deployment sets), added to Lambda's. */
  variables: Record<string, string>;
  /** The region the identity names; default `us-east-1`. */
  region?: string | undefined;
}

/** The identity Lambda gives a function in `region`. */
export function functionIdentity(functionName: string, region = "us-east-1") {
  return {
    region,
    arn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
  };
}

/**
 * The environment of one execution environment: the variables Lambda itself sets and the
 * function's own, and nothing else (no NODE_OPTIONS, no loader, no test runner variables).
 */
export function functionEnv({
  functionName,
  runtime,
  memoryMb,
  taskRoot,
  handler,
  variables,
  region: regionAsked,
}: FunctionEnvOptions): Record<string, string> {
  const { region } = functionIdentity(functionName, regionAsked);
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString("hex")}`,
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: handler,
    ...variables,
  };
}
