import { Hono } from "hono";
import type { Backend } from "./backend.js";
import { notFound, onError } from "./errors.js";
import { KEEPALIVE_MS, type LiveOptions } from "./sse.js";
import { eventsRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { messagingRoutes } from "./routes/messaging.js";
import { rootRoutes } from "./routes/root.js";
import { streamingRoutes } from "./routes/streaming.js";

/**
 * Builds the HTTP API on a backend. Knows nothing about AWS: the Lambda handler and the Node
 * server both wrap this same app.
 */
export function createApp(backend: Backend, live: LiveOptions = { keepAliveMs: KEEPALIVE_MS }) {
  return new Hono()
    .route("/", healthRoutes)
    .route("/", rootRoutes(backend))
    .route("/", eventsRoutes(backend, live))
    .route("/", messagingRoutes(backend))
    .route("/", streamingRoutes(backend, live))
    .notFound(notFound)
    .onError(onError);
}
