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

/**
 * The function that serves live feeds (server-sent events), apart from `Api` so that feeds can
 * never take the environments of short calls: same bundle and handler, its own reserved
 * concurrency. API Gateway sends these paths (its template syntax) to it, everything else to
 * `Api`, which redirects a feed asked for elsewhere to its `/live` path (`LIVE_FEED_PATHS_ONLY`).
 */
export const API_LIVE_FUNCTION = "ApiLive";

/** The live-feed paths (API Gateway's template syntax) routed to `API_LIVE_FUNCTION`. */
export const LIVE_FEED_PATHS = [
  "/workflow-stream/{workflow_id}/live",
  "/workflow-events/{workflow_id}/all/live",
] as const;

/**
 * The app's routes that share a resource with the live paths, routed to `Api` explicitly: the
 * live routes create the resources on their way (`/workflow-stream/{workflow_id}`, ...), and a
 * request matching such a resource is not left to `{proxy+}` on the say-so of nobody.
 */
export const PATHS_BESIDE_LIVE_FEEDS = [
  "/workflow-stream/{workflow_id}",
  "/workflow-events/{workflow_id}/all",
  "/workflow-events/{workflow_id}/{event_key}",
] as const;
