import { DBOS } from "@dbos-inc/dbos-sdk";
import { DBOS_SCHEMA } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";

// The API without keys, as `npm start` runs it: a page of another origin that its developer
// visits must not be able to start, cancel or message workflows through the browser (a form,
// an <img>, a no-cors fetch), while curl, scripts and the API's own pages go on working.
const ALLOWED = "https://app.example.com";
let api: ReturnType<typeof createTestApi>;
let db: pg.Pool;

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  db = new pg.Pool({ connectionString: url, max: 1 });
  api = createTestApi(url, { log: () => {}, corsOrigins: [ALLOWED] });
});
afterAll(async () => {
  await api?.close();
  await db?.end();
});

const workflowCount = async () =>
  Number((await db.query(`SELECT count(*) AS n FROM ${DBOS_SCHEMA}.workflow_status`)).rows[0].n);

const request = (method: string, path: string, headers: Record<string, string>) =>
  api.app.request(path, { method, headers });

describe("requests that change something, sent by a browser from another origin", () => {
  const foreign: Record<string, Record<string, string>> = {
    "an <img> or link on another site": { "sec-fetch-site": "cross-site" },
    "a page on another port of localhost": {
      "sec-fetch-site": "same-site",
      origin: "http://localhost:3000",
    },
    "a form on another site": {
      "sec-fetch-site": "cross-site",
      origin: "https://evil.example",
      "content-type": "application/x-www-form-urlencoded",
    },
    "an older browser that sends only Origin": { origin: "https://evil.example" },
    "a sandboxed page (Origin: null)": { origin: "null" },
  };
  const routes: [string, string][] = [
    ["GET", "/"],
    ["POST", "/start-workflow-events/csrf-1/1"],
    ["POST", "/start-workflow-messaging/csrf-2/1"],
    ["POST", "/send-message/csrf-2"],
    ["POST", "/workflows/csrf-2/cancel"],
  ];

  for (const [label, headers] of Object.entries(foreign)) {
    it(`refuses them all from ${label}, and nothing is started`, async () => {
      const before = await workflowCount();
      for (const [method, path] of routes) {
        const response = await request(method, path, headers);
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(((await response.json()) as { detail: string }).detail).toMatch(/^Cross-site/);
      }
      expect(await workflowCount()).toBe(before);
    });
  }

  it("still answers reads from other origins (CORS decides who may see them)", async () => {
    const response = await request("GET", "/health", { "sec-fetch-site": "cross-site" });
    expect(response.status).toBe(200);
  });
});

describe("requests that are let through", () => {
  const allowed: Record<string, Record<string, string>> = {
    "curl or a script (no browser headers)": {},
    "the API's own pages (same origin)": { "sec-fetch-site": "same-origin" },
    "an address typed into the browser": { "sec-fetch-site": "none" },
    "an origin listed in CORS_ORIGINS": { "sec-fetch-site": "cross-site", origin: ALLOWED },
    "an older browser on the same origin": { origin: "http://localhost" },
  };
  let n = 0;
  for (const [label, headers] of Object.entries(allowed)) {
    it(`starts a workflow for ${label}`, async () => {
      const id = `let-through-${n++}-${Date.now()}`;
      const response = await request("POST", `/start-workflow-events/${id}/1`, headers);
      expect(response.status).toBe(200);
      const { rows } = await db.query(
        `SELECT 1 FROM ${DBOS_SCHEMA}.workflow_status WHERE workflow_uuid = $1`,
        [id],
      );
      expect(rows).toHaveLength(1);
    });
  }
});
