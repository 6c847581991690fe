import type { Server } from "node:http";
import { DBOS } from "@dbos-inc/dbos-sdk";
import { applyMigrations } from "@wfc/core";
import { newTokenKey, parseKeyRing, mintToken } from "@wfc/tokens";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveNode } from "../../functions/api/src/serve-node.js";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";

// CORS as a browser meets it, over real HTTP through the Node server: preflights per the Fetch
// standard, allowed origins only, the token's Authorization header allowed, never credentials.
const ALLOWED = "https://app.example.com";
const KEY = "cors-api-key-0123456789abcdef";
const ring = parseKeyRing(newTokenKey("cors"));
let api: ReturnType<typeof createTestApi>;
let bare: ReturnType<typeof createTestApi>;
const servers: Server[] = [];
let base: string;
let bareBase: string;

async function serve(app: ReturnType<typeof createTestApi>["app"]) {
  const { server, address } = await serveNode(app, 0, "127.0.0.1");
  servers.push(server as Server);
  return `http://127.0.0.1:${address.port}`;
}

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  // Our schema, as the worker migrates it at start (no worker here: nothing runs).
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await applyMigrations(client, 30_000).finally(() => client.end());
  api = createTestApi(url, {
    log: () => {},
    apiKeys: [KEY],
    tokenKeys: ring,
    corsOrigins: [ALLOWED, "http://localhost:5173"],
  });
  bare = createTestApi(url, { log: () => {}, apiKeys: [KEY] });
  base = await serve(api.app);
  bareBase = await serve(bare.app);
});
afterAll(async () => {
  for (const server of servers) server.close();
  await api?.close();
  await bare?.close();
});

const preflight = (origin: string, method = "GET", headers = "authorization", at = base) =>
  fetch(`${at}/workflows/x`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": headers,
    },
  });

describe("a preflight", () => {
  it("from an allowed origin: 204 echoing it, with methods, headers, max-age and Vary", async () => {
    const response = await preflight(ALLOWED, "POST", "authorization,content-type");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("access-control-allow-methods")).toBe("GET, HEAD, POST");
    const allowed = response.headers.get("access-control-allow-headers")!.toLowerCase();
    for (const header of ["authorization", "content-type", "last-event-id", "idempotency-key"])
      expect(allowed).toContain(header);
    expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(response.headers.get("vary")).toMatch(/origin/i);
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(await response.text()).toBe("");
  });

  it("from another origin: no Access-Control-Allow-* at all, so the browser stops", async () => {
    for (const origin of ["https://evil.example", "null", "https://app.example.com.evil.example"]) {
      const response = await preflight(origin);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("access-control-allow-methods")).toBeNull();
      expect(response.headers.get("access-control-allow-headers")).toBeNull();
      expect(response.headers.get("vary")).toMatch(/origin/i);
    }
  });

  it("is not answered where CORS_ORIGINS is unset", async () => {
    const response = await preflight(ALLOWED, "GET", "authorization", bareBase);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("is only an OPTIONS with Origin and Access-Control-Request-Method: another OPTIONS is a request", async () => {
    const response = await fetch(`${base}/workflows/x`, {
      method: "OPTIONS",
      headers: { origin: ALLOWED },
    });
    expect(response.status).not.toBe(204);
    expect(response.headers.get("access-control-allow-methods")).toBeNull();
  });
});

describe("an actual request", () => {
  it("from an allowed origin with a token: Allow-Origin echoes it, headers the client reads are exposed", async () => {
    const { token } = await mintToken(
      ring,
      { workflow_id: "nobody", events: [], streams: [], topics: [] },
      60,
    );
    const response = await fetch(`${base}/workflows/nobody`, {
      headers: { origin: ALLOWED, authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("access-control-expose-headers")).toMatch(/Retry-After/);
    expect(response.headers.get("vary")).toMatch(/origin/i);
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("answers errors to an allowed origin readably too (401 with WWW-Authenticate exposed)", async () => {
    const response = await fetch(`${base}/workflows/nobody`, { headers: { origin: ALLOWED } });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("access-control-expose-headers")).toMatch(/WWW-Authenticate/);
  });

  it("from another origin carries no Access-Control-Allow-Origin, never *", async () => {
    const response = await fetch(`${base}/health`, { headers: { origin: "https://evil.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("vary")).toMatch(/origin/i);
    const none = await fetch(`${base}/health`);
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
  });
});
