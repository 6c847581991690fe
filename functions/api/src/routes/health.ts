import { Hono } from "hono";
import { doc } from "../openapi.js";
import { healthResponse } from "../schemas.js";

/** `GET /health`: liveness plus the process's resident memory, as the seed reports it. */
export const healthRoutes = new Hono().get(
  "/health",
  doc("seed", "Liveness and the process's memory", {
    200: { description: "Up", schema: healthResponse },
  }),
  (c) =>
    c.json({
      status: "ok",
      memory_mb: Math.round((process.memoryUsage.rss() / 1024 / 1024) * 100) / 100,
    }),
);
