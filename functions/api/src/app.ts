import { Hono } from "hono";
import type { Backend } from "./backend.js";
import { notFound, onError } from "./errors.js";
import { eventsRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { messagingRoutes } from "./routes/messaging.js";
import { rootRoutes } from "./routes/root.js";
import { streamingRoutes } from "./routes/streaming.js";

/**
 * Builds the HTTP API on a backend. Knows nothing about AWS: the Lambda handler and the Node
 * server both wrap this same app.
 */
export function createApp(backend: Backend) {
  return new Hono()
    .route("/", healthRoutes)
    .route("/", rootRoutes(backend))
    .route("/", eventsRoutes(backend))
    .route("/", messagingRoutes(backend))
    .route("/", streamingRoutes(backend))
    .notFound(notFound)
    .onError(onError);
}
