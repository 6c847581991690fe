import { API_SETTINGS } from "@wfc/core";

/** Always the caller's own: no execution environment gets another address for its binaries. */
const FROM_HOST = ["PATH"];

/**
 * The API function's own variables in a local execution environment, from the lambda server's
 * environment: its SST links (`SST_RESOURCE_*`, as deployed), every API setting the user set
 * (LIVE_FEED_MAX_SECONDS, CORS_ORIGINS, DB_TIMEOUT_MS, API_KEYS, ...: what infra/api.ts sets on
 * a stage, here taken from `npm start`'s environment) and the names in `extra`
 * (LAMBDA_EXTRA_ENV). Nothing else: no NODE_OPTIONS, no loader, no test runner variables.
 */
export function functionVariables(
  from: NodeJS.ProcessEnv,
  extra: readonly string[],
): Record<string, string> {
  const names = new Set([...FROM_HOST, ...API_SETTINGS, ...extra]);
  return Object.fromEntries(
    Object.entries(from).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && (entry[0].startsWith("SST_RESOURCE_") || names.has(entry[0])),
    ),
  );
}
