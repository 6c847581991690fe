import { parseSettings } from "@wfc/core";
import { z } from "zod";
import { API_LIVE_FUNCTION } from "../../infra/api-function.js";

const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);

export const schema = z.object({
  /** Port of the local Lambda Invoke API (`0` picks a free one). */
  LAMBDA_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8002)
    .describe("Port of the local Lambda Invoke API; 0 picks a free one"),
  /** Where the Invoke API and the API Gateway front listen: loopback unless asked. */
  LAMBDA_HOST: z
    .string()
    .min(1)
    .default("127.0.0.1")
    .describe("Where the Invoke API and the API Gateway front listen"),
  /** The name `FunctionName` must carry (the deployed function is SST's `Api`). */
  LAMBDA_FUNCTION_NAME: z
    .string()
    .min(1)
    .default("Api")
    .describe("The FunctionName of the API function (deployed: Api)"),
  /** Reserved concurrency: environments busy at once; beyond it, invocations are throttled. */
  LAMBDA_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .describe(
      "Reserved concurrency of Api: busy environments at most; beyond it the front answers 429, the Invoke API TooManyRequestsException",
    ),
  /** The live-feed function's name (the deployed one is `ApiLive`): the same bundle. */
  LAMBDA_LIVE_FUNCTION_NAME: z
    .string()
    .min(1)
    .default(API_LIVE_FUNCTION)
    .describe("The live-feed function's name (deployed: ApiLive), the same bundle"),
  /** The live-feed function's reserved concurrency: open feeds at most. */
  LAMBDA_LIVE_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe("Reserved concurrency of ApiLive: open live feeds at most"),
  /** A frozen environment unused this long is reaped. */
  LAMBDA_IDLE_SECONDS: seconds(300).describe("A frozen environment unused this long is reaped"),
  /** The function timeout: an invocation past it kills its environment (deployed: 900 s). */
  LAMBDA_TIMEOUT_SECONDS: seconds(900).describe(
    "The function timeout: an invocation past it kills its environment (deployed: 900 s)",
  ),
  /** Comma-separated names of further variables the environments get (e.g. CHANGE_RELAY_URL). */
  LAMBDA_EXTRA_ENV: z
    .string()
    .default("")
    .transform((names) => names.split(",").flatMap((name) => name.trim() || []))
    .describe(
      "Comma-separated names of further variables the environments get (such as CHANGE_RELAY_URL,CHANGE_RELAY_SECRET)",
    ),
  /** Port of the API Gateway REST API front; unset: no front (the Invoke API only). */
  API_GATEWAY_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe("Port of the API Gateway REST front. Unset: no front, the Invoke API only"),
  /** API Gateway closes a streamed response after this much silence (regional: 5 min). */
  API_GATEWAY_IDLE_SECONDS: seconds(300).describe(
    "A streamed response silent this long is closed (a regional endpoint's limit)",
  ),
  /** The stage in the events' requestContext. */
  API_GATEWAY_STAGE: z
    .string()
    .min(1)
    .default("local")
    .describe("The stage in the events' requestContext"),
});

export type LambdaConfig = z.infer<typeof schema>;

/** Parses the local Lambda mode's settings. @throws ConfigError naming each bad variable. */
export function lambdaConfig(env: NodeJS.ProcessEnv = process.env): LambdaConfig {
  return parseSettings(schema, env);
}
