import { parseSettings } from "@wfc/core";
import { z } from "zod";
import { LOCAL_DATABASE } from "../../infra/local-database.js";

const optionalPort = z.coerce.number().int().min(1).max(65535).optional();

export const schema = z.object({
  /** Use this database instead of starting an embedded one. */
  DBOS_SYSTEM_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// connection string")
    .optional()
    .describe("Use this PostgreSQL server instead of starting an embedded one"),
  PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(8000)
    .describe("Port of the public API, used as given (a clear error if it is taken)"),
  /**
   * How the public API on PORT runs: `node`, the Node server (one process for every request);
   * `lambda`, API Gateway in front of Lambda execution environments (docs/guides/lambda-faithful-mode.md).
   */
  API_MODE: z
    .enum(["node", "lambda"])
    .default("node")
    .describe(
      "node: one Node server answers every request; lambda: API Gateway in front of Lambda execution environments, as deployed",
    ),
  /** Where the embedded PostgreSQL keeps its data (default: under the OS temp dir). */
  LOCAL_DATA_DIR: z
    .string()
    .optional()
    .describe(
      "Data directory of the embedded PostgreSQL. Unset: a directory under the OS temp dir",
    ),
  LOCAL_DATABASE_PORT: optionalPort
    .unwrap()
    .default(LOCAL_DATABASE.port)
    .describe(
      "Port of the embedded PostgreSQL: by default the one `sst dev` links; if it is taken, a clear error, never another port",
    ),
  /** The worker's health check and change relay ports: honoured, or a clear error if taken. */
  HEALTH_PORT: optionalPort.describe(
    "The worker's health-check port, used as given (a clear error if it is taken). Unset: 8001, or a free port the banner names",
  ),
  RELAY_PORT: optionalPort.describe(
    "The worker's change-relay port, used as given (a clear error if it is taken). Unset: 8003, or a free port the banner names",
  ),
  /** The API's database role (the worker validates the name); default: one per database. */
  API_DATABASE_ROLE: z
    .string()
    .optional()
    .describe(
      "The API's database role. Unset: one per database (wfc_api_ and a hash of server and database), so stacks and tests sharing a server never reset each other's login",
    ),
  /** The tokens' key ring, linked to the API and the worker (`token-keys.ts`), which validate it. */
  TOKEN_KEYS: z
    .string()
    .optional()
    .describe(
      "The capability tokens' key ring, handed to the API and the worker as their TokenKeys link. Unset: a development key made for each run, so tokens and approval links last as long as the stack",
    ),
  /** Handed to the worker and the API (`service-env.ts`), which validate it. */
  PUBLIC_API_URL: z
    .string()
    .optional()
    .describe(
      "The API's public URL, which approval links start with (a tunnel or proxy in front of the stack). Unset: http://localhost:<PORT>, this stack's API",
    ),
  /** Only whether keys are set, for the banner; the API validates them. */
  API_KEYS: z
    .string()
    .optional()
    .describe("Handed to the API, which validates them; the banner says whether the API is open"),
});

export type LocalStackConfig = z.infer<typeof schema>;

/** Parses the local runner's settings. @throws ConfigError naming each bad variable. */
export function localStackConfig(env: NodeJS.ProcessEnv = process.env): LocalStackConfig {
  return parseSettings(schema, env);
}
