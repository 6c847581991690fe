import { parseSettings } from "@wfc/core";
import { z } from "zod";
import { LOCAL_DATABASE } from "../../infra/local-database.js";

const schema = z.object({
  /** Use this database instead of starting an embedded one. */
  DBOS_SYSTEM_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// connection string")
    .optional(),
  /** The API's port: honoured, or a clear error if taken. */
  PORT: z.coerce.number().int().min(1).max(65535).default(8000),
  /**
   * How the public API on PORT runs: `node`, the Node server (one process for every request);
   * `lambda`, API Gateway in front of Lambda execution environments (see README).
   */
  API_MODE: z.enum(["node", "lambda"]).default("node"),
  /** Where the embedded PostgreSQL keeps its data (default: under the OS temp dir). */
  LOCAL_DATA_DIR: z.string().optional(),
  /**
   * The embedded PostgreSQL's port: by default the one `sst dev` links (54329); taken, a clear
   * error, never another port behind the user's back.
   */
  LOCAL_DATABASE_PORT: z.coerce.number().int().min(1).max(65535).default(LOCAL_DATABASE.port),
  /** The worker's health check and change relay ports: honoured, or a clear error if taken. */
  HEALTH_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  RELAY_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** The API's database role (the worker validates the name); default: one per database. */
  API_DATABASE_ROLE: z.string().optional(),
  /** Only whether keys are set, for the banner; the API validates them. */
  API_KEYS: z.string().optional(),
});

export type LocalStackConfig = z.infer<typeof schema>;

/** Parses the local runner's settings. @throws ConfigError naming each bad variable. */
export function localStackConfig(env: NodeJS.ProcessEnv = process.env): LocalStackConfig {
  return parseSettings(schema, env);
}
