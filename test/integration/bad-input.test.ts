import { DBOS } from "@dbos-inc/dbos-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { KINDS, MAX_STREAM_TAIL, startPath, type AnyKind, type ParamsOf } from "@wfc/core";
import { z } from "zod";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";

// Every malformed request gets a clear 4xx with a `detail`, never a 500, and starts nothing.
// No worker runs here: whatever a bad request might have enqueued would stay visible.
let api: ReturnType<typeof createTestApi>;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  await DBOS.migrate(databaseUrl);
  api = createTestApi(databaseUrl, { webhookSecret: WEBHOOK_SECRET, log: () => {} });
});
afterAll(() => api?.close());

const longId = "a".repeat(129);
const tooLongTail = new RegExp(`tail must be at most ${MAX_STREAM_TAIL}`);
const resumeAt3 = { "last-event-id": "3", accept: "text/event-stream" };
const badId = { "last-event-id": "-1" };
const WEBHOOK_SECRET = `whsec_${Buffer.from("bad-input matrix webhook secret!").toString("base64")}`;
const webhook = new Webhook(WEBHOOK_SECRET);
/** Standard Webhooks headers for `body`, validly signed now. */
const signed = (body: string) => ({
  "webhook-id": "evt_matrix",
  "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
  "webhook-signature": webhook.sign("evt_matrix", new Date(), body),
});
type Case = [
  method: "GET" | "POST",
  path: string,
  body: unknown,
  status: number,
  detail: RegExp,
  headers?: Record<string, string>,
];

/** `{"a":[[...]]}`: the top object and `depth - 1` arrays inside it. */
const nested = (depth: number) => `{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;

/**
 * Values that break a start parameter's declared schema, derived from its JSON Schema: not a
 * number, below the minimum, above the maximum, too long. Each must be a 422 naming the parameter.
 */
function badValues(schema: Record<string, unknown>): string[] {
  const bad: string[] = [];
  if (schema.type === "integer" || schema.type === "number") {
    bad.push("abc");
    // Only decimal integer text is an integer, as FastAPI reads it: no exponents, no hex.
    if (schema.type === "integer") bad.push("2.5", "1e1", "0x5");
    if (typeof schema.minimum === "number") bad.push(String(schema.minimum - 1));
    if (typeof schema.maximum === "number") bad.push(String(schema.maximum + 1));
  }
  if (schema.type === "string" && typeof schema.maxLength === "number") {
    bad.push("s".repeat(schema.maxLength + 1));
  }
  return bad;
}

/** For every startable kind: bad workflow IDs, and each parameter broken every way it can be. */
function startCases(): Case[] {
  return (KINDS.filter((k) => k.startable && k.pathRoute) as AnyKind[]).flatMap((kind) => {
    const start = (id: string, params: Record<string, unknown>) =>
      startPath(kind, id, params as ParamsOf<typeof kind>);
    const ids: Case[] = [
      ["POST", start(longId, kind.example), undefined, 422, /workflow_id must be at most 128/],
      ["POST", start("bad id", kind.example), undefined, 422, /workflow_id may only contain/],
      ["POST", start("semi;colon", kind.example), undefined, 422, /workflow_id may only contain/],
    ];
    const shape = z.toJSONSchema(kind.params, { io: "input" }) as {
      properties: Record<string, Record<string, unknown>>;
    };
    const params = Object.entries(shape.properties).flatMap(([name, schema]) =>
      badValues(schema).map((value): Case => [
        "POST",
        start("ok-id", { ...kind.example, [name]: value }),
        undefined,
        422,
        new RegExp(name),
      ]),
    );
    // Whatever a parameter's schema, text PostgreSQL cannot store is refused by name.
    const unstorable = Object.keys(shape.properties).map((name): Case => {
      const example = (kind.example as Record<string, unknown>)[name];
      return [
        "POST",
        start("ok-id", { ...kind.example, [name]: `${String(example)}\0` }),
        undefined,
        422,
        new RegExp(`${name} must not contain NUL characters`),
      ];
    });
    return [...ids, ...params, ...unstorable];
  });
}

const cases: Case[] = [
  ...startCases(),
  ["GET", `/workflow-events/${longId}/progress`, undefined, 422, /workflow_id must be at most 128/],
  ["GET", "/workflow-events/bad%20id/progress", undefined, 422, /workflow_id may only contain/],
  [
    "GET",
    `/workflow-events/ok-id/${"k".repeat(256)}`,
    undefined,
    422,
    /event_key must be at most 255/,
  ],
  [
    "GET",
    "/workflow-events/ok-id/progress?timeout=abc",
    undefined,
    422,
    /timeout must be a number/,
  ],
  [
    "GET",
    "/workflow-events/ok-id/progress?timeout=-1",
    undefined,
    422,
    /timeout must be at least 0/,
  ],
  [
    "GET",
    "/workflow-events/ok-id/progress?timeout=3600",
    undefined,
    422,
    /timeout must be at most 25/,
  ],
  // An empty value is no number: neither 0 nor the default.
  ["GET", "/workflow-events/ok-id/progress?timeout=", undefined, 422, /timeout must be a number/],
  ["GET", `/workflow-events/${longId}/all`, undefined, 422, /workflow_id must be at most 128/],
  ["GET", `/workflow-stream/${longId}`, undefined, 422, /workflow_id must be at most 128/],
  ["GET", "/workflow-stream/bad%20id", undefined, 422, /workflow_id may only contain/],
  ["POST", `/send-message/${longId}`, { approved: true }, 422, /workflow_id must be at most 128/],
  ["POST", "/send-message/ok-id", "{not json", 422, /must be valid JSON/],
  ["POST", "/send-message/ok-id", "", 422, /must be valid JSON/],
  ["POST", "/send-message/ok-id", "[1,2]", 422, /must be a JSON object/],
  ["POST", "/send-message/ok-id", '"text"', 422, /must be a JSON object/],
  ["POST", "/send-message/ok-id", "null", 422, /must be a JSON object/],
  ["POST", "/send-message/ok-id", { pad: "x".repeat(70_000) }, 413, /at most 65536 bytes/],
  ["POST", "/send-message/no-such-workflow", { approved: true }, 404, /Workflow not found/],
  ["POST", "/send-message/ok-id", '{"amount": 1e309}', 422, /body\.amount is too large/],
  ["POST", "/send-message/ok-id", '{"__proto__": {"approved": true}}', 422, /"__proto__"/],
  ["GET", "/workflow-stream/ok-id?offset=-1", undefined, 422, /offset must be at least 0/],
  ["GET", "/workflow-stream/ok-id?offset=abc", undefined, 422, /offset must be an integer/],
  ["GET", "/workflow-stream/ok-id/live?offset=1.5", undefined, 422, /offset must be an integer/],
  ["GET", "/workflow-stream/ok-id?offset=", undefined, 422, /offset must be an integer/],
  ["GET", "/workflow-stream/ok-id?offset=1e1", undefined, 422, /offset must be an integer/],
  ["GET", "/workflow-stream/ok-id?tail=0", undefined, 422, /tail must be at least 1/],
  ["GET", "/workflow-stream/ok-id/live?tail=-1", undefined, 422, /tail must be at least 1/],
  ["GET", `/workflow-stream/ok-id?tail=${MAX_STREAM_TAIL + 1}`, undefined, 422, tooLongTail],
  ["GET", `/workflow-stream/ok-id/live?tail=${MAX_STREAM_TAIL + 1}`, undefined, 422, tooLongTail],
  ["GET", "/workflow-stream/ok-id?tail=", undefined, 422, /tail must be an integer/],
  ["GET", "/workflow-stream/ok-id/live?tail=2.5", undefined, 422, /tail must be an integer/],
  ["GET", "/workflow-stream/ok-id?tail=1e1", undefined, 422, /tail must be an integer/],
  ["GET", "/workflow-stream/ok-id?offset=0&tail=1", undefined, 422, /offset and tail cannot be/],
  ["GET", "/workflow-stream/ok-id/live?tail=2&offset=3", undefined, 422, /offset and tail cannot/],
  ["GET", "/workflows?limit=0x5", undefined, 422, /limit must be an integer/],
  ["GET", "/workflows?offset=", undefined, 422, /offset must be an integer/],
  ["GET", `/workflow-stream/${longId}/live`, undefined, 422, /workflow_id must be at most 128/],
  ["GET", "/workflow-stream/no-such-workflow/live", undefined, 404, /Workflow not found/],
  [
    "POST",
    "/send-message/ok-id",
    { a: 1 },
    422,
    /Idempotency-Key must be printable/,
    { "idempotency-key": "two words" },
  ],
  [
    "POST",
    "/send-message/ok-id",
    { a: 1 },
    422,
    /Idempotency-Key must be at most 255/,
    { "idempotency-key": "k".repeat(256) },
  ],
  ["POST", `/webhooks/${longId}`, "{}", 422, /workflow_id must be at most 128/, signed("{}")],
  [
    "POST",
    `/webhooks/ok-id?topic=${"t".repeat(256)}`,
    "{}",
    422,
    /topic must be at most 255/,
    signed("{}"),
  ],
  [
    "POST",
    "/webhooks/ok-id",
    "{}",
    401,
    /Webhook rejected/,
    { "webhook-id": "e", "webhook-timestamp": "1", "webhook-signature": "v1,x" },
  ],
  ["POST", "/webhooks/ok-id", "{}", 401, /Webhook rejected/],
  ["POST", "/webhooks/ok-id", "{oops", 422, /must be valid JSON/, signed("{oops")],
  ["POST", "/webhooks/ok-id", "[1]", 422, /must be a JSON object/, signed("[1]")],
  [
    "POST",
    "/webhooks/ok-id",
    JSON.stringify({ pad: "x".repeat(70_000) }),
    413,
    /at most 65536 bytes/,
  ],
  ["POST", "/webhooks/ok-id", "{}", 422, /must name its target: "workflow_id"/, signed("{}")],
  [
    "POST",
    "/webhooks/ok-id",
    "{}",
    422,
    /webhook-id must be at most 255/,
    {
      "webhook-id": "e".repeat(256),
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": webhook.sign("e".repeat(256), new Date(), "{}"),
    },
  ],
  [
    "POST",
    "/webhooks/no-such-workflow",
    '{"workflow_id":"no-such-workflow"}',
    404,
    /Workflow not found/,
    signed('{"workflow_id":"no-such-workflow"}'),
  ],
  ["GET", "/no/such/route", undefined, 404, /Not Found/],
  ["GET", "/send-message/ok-id", undefined, 405, /Method Not Allowed/],
  [
    "POST",
    "/send-message/ok-id",
    '{"approved":true}',
    415,
    /must be application\/json/,
    { "content-type": "text/plain" },
  ],
  // What PostgreSQL cannot store: NUL and unpaired surrogates in text, integers beyond a column.
  [
    "GET",
    "/workflow-events/ok-id/a%00b",
    undefined,
    422,
    /event_key must not contain NUL characters/,
  ],
  ["POST", "/send-message/ok-id?topic=a%00b", {}, 422, /topic must not contain NUL characters/],
  ["GET", "/workflow-stream/ok-id?key=%00", undefined, 422, /key must not contain NUL characters/],
  [
    "POST",
    "/webhooks/ok-id?topic=%00",
    "{}",
    422,
    /topic must not contain NUL characters/,
    signed("{}"),
  ],
  [
    "POST",
    "/send-message/ok-id",
    '{"a":"x\\u0000y"}',
    422,
    /Request body strings must not contain NUL characters/,
  ],
  [
    "POST",
    "/send-message/ok-id",
    '{"\\u0000":1}',
    422,
    /Request body keys must not contain NUL characters/,
  ],
  [
    "POST",
    "/send-message/ok-id",
    '{"a":[{"b":"\\ud800"}]}',
    422,
    /Request body strings must not contain unpaired surrogate characters/,
  ],
  [
    "POST",
    "/send-message/ok-id",
    '{"\\udc00x":1}',
    422,
    /Request body keys must not contain unpaired surrogate/,
  ],
  [
    "POST",
    "/send-message/ok-id",
    '{"n":1e400}',
    422,
    /Request body number at body\.n is too large/,
  ],
  [
    "POST",
    "/send-message/ok-id",
    nested(1500),
    422,
    /Request body must be nested at most 64 levels deep/,
  ],
  [
    "POST",
    "/send-message/ok-id",
    nested(65),
    422,
    /Request body must be nested at most 64 levels deep/,
  ],
  // At the limit, the body passes: the workflow is what is missing.
  ["POST", "/send-message/ok-id", nested(64), 404, /Workflow not found/],
  [
    "POST",
    "/webhooks/ok-id",
    nested(1500),
    422,
    /Request body must be nested at most 64 levels deep/,
    signed(nested(1500)),
  ],
  [
    "GET",
    "/workflow-stream/ok-id?offset=2147483648",
    undefined,
    422,
    /offset must be at most 2147483647/,
  ],
  [
    "GET",
    "/workflow-stream/ok-id/live?offset=2147483648",
    undefined,
    422,
    /offset must be at most 2147483647/,
  ],
  [
    "GET",
    "/workflow-stream/ok-id/live",
    undefined,
    422,
    /Last-Event-ID must be at most 2147483646/,
    { "last-event-id": "2147483647" },
  ],
  [
    "GET",
    "/workflow-stream/ok-id",
    undefined,
    422,
    /Last-Event-ID must be at most 2147483646/,
    { "last-event-id": "99999999999999999999", accept: "text/event-stream" },
  ],
  [
    "GET",
    "/workflow-stream/ok-id/live",
    undefined,
    422,
    /Last-Event-ID must be the id of a stream value/,
    { "last-event-id": "abc" },
  ],
  // A resume does not rescue a bad tail (the query is checked first), nor a tail a bad resume.
  ["GET", "/workflow-stream/ok-id?tail=0", undefined, 422, /tail must be at least 1/, resumeAt3],
  ["GET", "/workflow-stream/ok-id/live?tail=2", undefined, 422, /Last-Event-ID must be/, badId],
  [
    "GET",
    "/workflows?offset=9007199254740992",
    undefined,
    422,
    /offset must be at most 9007199254740991/,
  ],
  ["GET", "/workflows?limit=2147483648", undefined, 422, /limit must be at most 100/],
];

/** A GET with headers (Last-Event-ID, Accept); every answer here is a JSON error. */
async function get(path: string, headers: Record<string, string> = {}) {
  const response = await api.app.request(path, { headers });
  return { status: response.status, body: (await response.json()) as { detail?: string } };
}

describe("bad input", () => {
  it.each(cases)("%s %s -> %i", async (method, path, body, status, detail, headers) => {
    const response =
      method === "GET" ? await get(path, headers) : await api.post(path, body, headers);
    expect(response.status).toBe(status);
    expect(response.body.detail).toMatch(detail);
    expect(JSON.stringify(response.body)).not.toMatch(/postgres|SELECT|at .*\.ts|out of range/);
  });

  it("enqueued nothing for any rejected start", async () => {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query("SELECT count(*)::int AS n FROM dbos.workflow_status");
    await client.end();
    expect(rows[0].n).toBe(0);
  });
});
