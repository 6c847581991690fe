import { Hono } from "hono";

/** `GET /health`: liveness plus the process's resident memory, as the seed reports it. */
export const healthRoutes = new Hono().get("/health", (c) =>
  c.json({
    status: "ok",
    memory_mb: Math.round((process.memoryUsage.rss() / 1024 / 1024) * 100) / 100,
  }),
);
