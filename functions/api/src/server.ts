import { serve } from "@hono/node-server";
import { ConfigError } from "@wfc/core";
import { docsPage } from "./docs-page.js";
import { reportProcessStats } from "./process-stats.js";
import { createRuntime } from "./runtime.js";

/** Local entry: serves the same app the Lambda handler wraps, on `PORT` (default 8000). */
function main() {
  const { app, backend, config } = createRuntime();
  // The docs page first; everything else is the app, exactly as the Lambda serves it.
  const local = docsPage().all("*", (c) => app.fetch(c.req.raw));
  const server = serve({ fetch: local.fetch, port: config.PORT, hostname: "0.0.0.0" }, (info) => {
    console.log(JSON.stringify({ msg: "api ready", port: info.port }));
  });
  if (config.STATS_INTERVAL_MS > 0) reportProcessStats(config.STATS_INTERVAL_MS);
  const stop = () => {
    server.close();
    void backend.close().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

try {
  main();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
