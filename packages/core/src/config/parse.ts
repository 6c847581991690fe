import type { z } from "zod";

/** An environment: `process.env`, or SST's linked values merged into it. */
export type Env = Record<string, string | undefined>;

/** Thrown when settings are missing or invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration: ${issues.join("; ")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parses settings from an environment with a zod schema; empty values count as unset.
 * Exported for the local tools (`npm start`, the Lambda emulator), which have settings of their own.
 * @throws ConfigError naming each bad variable.
 */
export function parseSettings<T extends z.ZodType>(schema: T, env: Env): z.infer<T> {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`));
}
