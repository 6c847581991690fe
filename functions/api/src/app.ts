import { liveFeedLimit } from "@wfc/core";
import { LINK_PATH_PREFIX, type KeyRing } from "@wfc/tokens";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { Backend } from "./backend.js";
import { onError } from "./errors.js";
import { methodNotAllowed } from "./method-not-allowed.js";
import { accessLog, type LogLevel } from "./middleware/access-log.js";
import { authenticate } from "./middleware/auth.js";
import { corsFor } from "./middleware/cors.js";
import { refuseCrossSite } from "./middleware/cross-site.js";
import { requireJsonBody } from "./middleware/json-content.js";
import { eventsRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { linkRoutes } from "./routes/links.js";
import { messagingRoutes } from "./routes/messaging.js";
import { ROOT_PATH, rootRoutes } from "./routes/root.js";
import { startRoutes } from "./routes/start.js";
import { jsonStartRoutes } from "./routes/start-json.js";
import { streamingRoutes } from "./routes/streaming.js";
import { uiRoutes } from "./routes/ui.js";
import { versionRoutes } from "./routes/versions.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { workflowRoutes } from "./routes/workflows.js";
import { openApiDocument } from "./openapi.js";
import { tokenRoutes } from "./routes/tokens.js";
import { Revocations } from "./tokens/revocations.js";
import { VerifiedTokens } from "./tokens/verified-tokens.js";
import { KEEPALIVE_MS } from "./sse.js";

export interface AppSettings {
  /** Valid API keys; empty leaves the API open (local development). */
  apiKeys?: string[];
  /** Shared secret of signed webhooks; unset disables `/webhooks`. */
  webhookSecret?: string;
  /** Signing keys of capability tokens (TOKEN_KEYS); unset turns tokens off. */
  tokenKeys?: KeyRing;
  /** The API's public base URL, which minted approval links start with (the request's origin when unset). */
  publicApiUrl?: string;
  /** Origins allowed by CORS; empty means no CORS headers (same-origin only). */
  corsOrigins?: string[];
  /** Idle time before an SSE keep-alive comment. */
  keepAliveMs?: number;
  /** Longest a live feed stays open before it ends with a `reconnect` event (default 300 s). */
  liveFeedMaxMs?: number;
  /** Live feeds only at their `/live` paths; elsewhere a feed is redirected there (307). */
  liveFeedPathsOnly?: boolean;
  /** Where access-log lines go (stdout by default). */
  log?: (line: string) => void;
  /** Lowest level logged: `warn` or `error` silence the per-request lines. */
  logLevel?: LogLevel;
  /**
   * Routes only some entry points serve (the Node server's docs page, whose assets stay out of
   * the Lambda bundle), mounted behind the same headers, request ID, access log and auth.
   */
  extraRoutes?: Hono;
}

/**
 * Builds the HTTP API on a backend. Knows nothing about AWS: the Lambda handler and the Node
 * server both wrap this same app.
 */
export function createApp(backend: Backend, settings: AppSettings = {}) {
  const live = {
    keepAliveMs: settings.keepAliveMs ?? KEEPALIVE_MS,
    maxMs: settings.liveFeedMaxMs ?? liveFeedLimit.defaultMaxSeconds * 1000,
    pathsOnly: settings.liveFeedPathsOnly ?? false,
  };
  const app = new Hono()
    .use(requestId())
    .use(accessLog(settings.log, settings.logLevel))
    // JSON and event streams load nothing: a browser that renders one anyway (a sniffing proxy,
    // a mistaken type) runs nothing in it, and nothing frames it. Pages set a policy of their
    // own (`page-policy.ts`), which `overwrite: false` keeps.
    .use(
      secureHeaders({
        contentSecurityPolicy: {
          defaultSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
        },
        xFrameOptions: "DENY",
        overwrite: false,
      }),
    );
  if (settings.corsOrigins?.length) app.use(corsFor(settings.corsOrigins));
  const tokens = settings.tokenKeys && {
    ring: settings.tokenKeys,
    verified: new VerifiedTokens(settings.tokenKeys),
    revocations: new Revocations(backend.tokenRevocations),
  };
  const api = app
    .use(refuseCrossSite(settings.corsOrigins ?? [], [ROOT_PATH]))
    .use(requireJsonBody([LINK_PATH_PREFIX]))
    .use(authenticate(settings.apiKeys ?? [], tokens))
    .route("/", healthRoutes)
    .route("/", rootRoutes(backend))
    .route("/", startRoutes(backend))
    .route("/", jsonStartRoutes(backend))
    .route("/", eventsRoutes(backend, live))
    .route("/", messagingRoutes(backend))
    .route("/", streamingRoutes(backend, live))
    .route("/", webhookRoutes(backend, settings.webhookSecret))
    .route("/", workflowRoutes(backend))
    .route("/", versionRoutes(backend))
    .route("/", tokenRoutes(tokens))
    .route("/", linkRoutes(backend, tokens, settings.publicApiUrl))
    .route("/", uiRoutes())
    .onError(onError);
  if (settings.extraRoutes) api.route("/", settings.extraRoutes);
  api.notFound(methodNotAllowed(() => api.routes));
  api.get("/openapi.json", openApiDocument(api));
  return api;
}
