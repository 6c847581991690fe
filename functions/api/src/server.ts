import { ConfigError } from "@wfc/core";
import { docsPage } from "./docs-page.js";
import { reportProcessStats } from "./process-stats.js";
import { createRuntime } from "./runtime.js";
import { serveNode } from "./serve-node.js";

/**
 * Local entry: serves the same app the Lambda handler wraps (plus the docs page), on `PORT`
 * (default 8000) of `HOST` (default loopback: `0.0.0.0` to serve the network).
 */
async function main() {
  const { app, backend, config } = createRuntime(process.env, { extraRoutes: docsPage() });
  const { server, address } = await serveNode(app, config.PORT, config.HOST);
  console.log(JSON.stringify({ msg: "api ready", host: address.address, port: address.port }));
  if (config.STATS_INTERVAL_MS > 0) reportProcessStats(config.STATS_INTERVAL_MS);
  const stop = () => {
    server.close();
    void backend.close().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
