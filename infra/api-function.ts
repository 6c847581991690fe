/**
 * The API function's settings that the deployed function (infra/api.ts), its bundle
 * (scripts/build-api.ts) and the local Lambda mode share. Plain values, no SST.
 */
import { NODE_MAJOR } from "./node-runtime";

/** The handler SST bundles and Lambda calls: the response-streaming entry. */
export const API_HANDLER = "functions/api/src/stream-handler.handler";

/** Lambda's Node.js runtime for the API: the project's one major; the bundle targets the same. */
export const API_RUNTIME = `nodejs${NODE_MAJOR}.x` as const;

export const API_ARCHITECTURE = "arm64";

export const API_MEMORY_MB = 1024;
