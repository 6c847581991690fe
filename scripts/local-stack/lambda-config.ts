import { parseSettings } from "@wfc/core";
import { z } from "zod";

const schema = z.object({
  /** Port of the local Lambda Invoke API (`0` picks a free one). */
  LAMBDA_PORT: z.coerce.number().int().min(0).max(65535).default(8002),
  /** The name `FunctionName` must carry (the deployed function is SST's `Api`). */
  LAMBDA_FUNCTION_NAME: z.string().min(1).default("Api"),
});

export type LambdaEmulatorConfig = z.infer<typeof schema>;

/** Parses the Lambda emulator's settings. @throws ConfigError naming each bad variable. */
export function lambdaEmulatorConfig(env: NodeJS.ProcessEnv = process.env): LambdaEmulatorConfig {
  return parseSettings(schema, env);
}
