import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Hono } from "hono";
import { pagePolicy } from "./page-policy.js";

const require = createRequire(import.meta.url);
// swagger-ui-dist ships the built viewer: served from the package, never from a CDN.
const ASSETS = (require("swagger-ui-dist") as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
const FILES: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Workflow communication API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>`;

// No validator: it would send the spec's URL to validator.swagger.io and show its badge.
const INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#docs", deepLinking: true, validatorUrl: null });`;

// The viewer's stylesheet draws its icons from data: URIs.
const POLICY = pagePolicy({ images: ["data:"] });

/**
 * The browsable docs page (Swagger UI over `/openapi.json`), for the Node server only: its
 * ~1.5 MB of assets stay out of the Lambda bundle, where `/openapi.json` is served as well. Its
 * scripts are files, so its policy admits none inline.
 */
export function docsPage() {
  return new Hono()
    .get("/docs", (c) => {
      c.header("content-security-policy", POLICY);
      return c.html(PAGE);
    })
    .get("/docs/assets/init.js", (c) =>
      c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }),
    )
    .get("/docs/assets/:file", async (c) => {
      const type = FILES[c.req.param("file")];
      if (!type) return c.json({ detail: "Not Found" }, 404);
      const body = await readFile(join(ASSETS, c.req.param("file")));
      return c.body(body, 200, { "content-type": type, "cache-control": "public, max-age=86400" });
    });
}
