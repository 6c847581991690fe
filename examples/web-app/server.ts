import { randomUUID } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import { createWorkflowClient, httpTransport, WorkflowApiError } from "@wfc/client";
import { mintToken, parseKeyRing } from "@wfc/tokens";
import { buildPage } from "./bundle.js";
import { checkApi } from "./check.js";
import { exampleConfig } from "./config.js";
import { REVIEW } from "./names.js";

// "Your backend": it holds the API key and the signing keys, starts a review for its user, and
// hands the page a token for that one workflow. The page talks to the API itself, cross-origin.

/** The settings and the key ring, or one line saying what is wrong (never a secret) and exit. */
function setUp() {
  try {
    const config = exampleConfig();
    return { ...config, ring: parseKeyRing(config.tokenKeys) };
  } catch (error) {
    console.error(`web-app example: ${(error as Error).message}`);
    process.exit(1);
  }
}
const { port, apiUrl, apiKey, tokenTtlSeconds, reviewPages, ring } = setUp();
const api = createWorkflowClient(httpTransport({ baseUrl: apiUrl, apiKey }));
const page = await buildPage(apiUrl);

// The reviews this backend started: its stand-in for "the workflows this signed-in user may
// see". A real app checks its session and its own records before minting.
const reviews = new Set<string>();

const send = (res: ServerResponse, status: number, type: string, body: string) => {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
};
const json = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, "application/json", JSON.stringify(body));

const TOKEN_PATH = /^\/reviews\/([A-Za-z0-9-]{1,64})\/token$/;

const server = createServer((req, res) => {
  const { pathname } = new URL(req.url ?? "/", "http://example");
  const route = `${req.method} ${pathname}`;
  const handle = async () => {
    if (route === "GET /") return send(res, 200, "text/html; charset=utf-8", page.html);
    if (route === "GET /app.js") return send(res, 200, "text/javascript", page.script);
    if (route === "POST /reviews") {
      const id = `review-${randomUUID().slice(0, 8)}`;
      await api.start(REVIEW.kind, id, { pages: reviewPages });
      reviews.add(id);
      return json(res, 201, { workflow_id: id });
    }
    const token = req.method === "POST" ? TOKEN_PATH.exec(pathname) : null;
    if (token) {
      const id = token[1]!;
      if (!reviews.has(id)) return json(res, 403, { detail: `Review '${id}' is not yours` });
      // Only what the page shows and sends: two event keys, the audit log, the review topic.
      const scope = {
        workflow_id: id,
        events: [...REVIEW.events],
        streams: [REVIEW.stream],
        topics: [REVIEW.topic],
      };
      const minted = await mintToken(ring, scope, tokenTtlSeconds);
      return json(res, 200, { token: minted.token, expires_at: minted.expires_at });
    }
    return json(res, 404, { detail: `No route ${route}` });
  };
  handle().catch((error: unknown) => {
    console.error(`web-app example: ${route}: ${String(error)}`);
    // The API's own answer (a 401 for a wrong API key, say) is what to fix: pass it on.
    if (error instanceof WorkflowApiError)
      return json(res, 502, { detail: `The API answered ${error.status}: ${error.detail}` });
    json(res, 500, { detail: "Internal error (logged by the example backend)" });
  });
});

// The page may be opened by either name; the API's CORS_ORIGINS must list the one used.
const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
for (const warning of await checkApi(apiUrl, ring, origins)) console.warn(`Warning: ${warning}`);

// Loopback only, as npm start: an example is not a server for the network.
server.listen(port, "127.0.0.1", () => {
  console.log(
    `Web app example on ${origins[0]} (the API: ${apiUrl}, tokens for ${tokenTtlSeconds} s)`,
  );
});

// Ctrl-C and a test's SIGTERM: stop listening, then exit.
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
