/**
 * The API function's settings that the deployed function (infra/api.ts), its bundle
 * (scripts/build-api.ts) and the local Lambda mode share. Plain values, no SST.
 */

/** The handler SST bundles and Lambda calls: the response-streaming entry. */
export const API_HANDLER = "functions/api/src/stream-handler.handler";

/** Lambda's Node.js runtime for the API; the bundle targets the same major. */
export const API_RUNTIME = "nodejs22.x";

export const API_ARCHITECTURE = "arm64";

export const API_MEMORY_MB = 1024;
