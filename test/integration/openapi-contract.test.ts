import { DBOS } from "@dbos-inc/dbos-sdk";
import {
  DEFAULT_APP_VERSION,
  jsonStartPath,
  jsonStartPrefix,
  KINDS,
  kindNamed,
  MAX_STREAM_TAIL,
  startPath,
  startPrefix,
  startSegments,
  type AnyKind,
} from "@wfc/core";
import Ajv2020 from "ajv/dist/2020.js";
import { mintLink, mintToken, newTokenKey, parseKeyRing } from "@wfc/tokens";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createInspector } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// /openapi.json against what the server really answers: every documented status of every
// operation is produced by a real request, and every answer's status and body match the
// document (bodies checked with a JSON Schema 2020-12 validator against the document itself).
const SECRET = `whsec_${Buffer.from("openapi contract webhook secret!").toString("base64")}`;
const signer = new Webhook(SECRET);
const signed = (body: string) => ({
  "content-type": "application/json",
  "webhook-id": `evt_${Math.random().toString(36).slice(2)}`,
  "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
  "webhook-signature": signer.sign("x", new Date(), body),
});
const signedFor = (body: string) => {
  const id = `evt_${Math.random().toString(36).slice(2)}`;
  return {
    ...signed(body),
    "webhook-id": id,
    "webhook-signature": signer.sign(id, new Date(), body),
  };
};

type App = ReturnType<typeof createApp>;
let up: App;
let down: App;
let keyed: App;
/** With signing keys: the token routes answer (`up` has none: they are 404 there). */
let tokens: App;
let tokensDown: App;
let backends: Array<ReturnType<typeof createDbosBackend>> = [];
let inspector: Awaited<ReturnType<typeof createInspector>>;
let worker: TestWorker;
let doc: {
  paths: Record<string, Record<string, { responses: Record<string, any>; security?: unknown[] }>>;
  components: unknown;
};
const run = Date.now();
/** Approval links the scenarios open and answer, by what they are for. */
const links: Record<"open" | "answer" | "onlyApprove" | "finished" | "expired", string> = {
  open: "",
  answer: "",
  onlyApprove: "",
  finished: "",
  expired: "",
};

/** Runs `each` over `items`, at most `size` at once. */
async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await each(item);
    }),
  );
}

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  const live = createDbosBackend({
    databaseUrl: url,
    appVersion: DEFAULT_APP_VERSION,
    poolSize: 2,
  });
  // Nothing listens on port 1: every call to the database fails as in an outage.
  const dead = createDbosBackend({
    databaseUrl: "postgres://x:y@127.0.0.1:1/none",
    appVersion: "1",
    poolSize: 1,
  });
  backends = [live, dead];
  up = createApp(live, { webhookSecret: SECRET, log: () => {} });
  down = createApp(dead, { webhookSecret: SECRET, log: () => {} });
  keyed = createApp(live, { webhookSecret: SECRET, apiKeys: ["contract-key"], log: () => {} });
  const tokenKeys = parseKeyRing(newTokenKey("contract"));
  tokens = createApp(live, { tokenKeys, log: () => {} });
  tokensDown = createApp(dead, { tokenKeys, log: () => {} });
  const scope = { workflow_id: "another", events: "*", streams: "*", topics: "*" } as const;
  foreignToken = (await mintToken(tokenKeys, scope, 600)).token;
  const link = async (workflowId: string, choices: string[], now?: number) =>
    (await mintLink(tokenKeys, { workflow_id: workflowId, topic: "review", choices }, 600, now))
      .path;
  const both = ["approve", "request_changes"];
  links.open = await link(`review-open-${run}`, both);
  links.answer = await link(`review-answer-${run}`, both);
  links.onlyApprove = await link(`review-open-${run}`, ["approve"]);
  // A finished workflow of a kind without approvals: a link to it decides nothing.
  links.finished = await link(`done-${run}`, both);
  links.expired = await link(`review-open-${run}`, both, Date.now() - 3_600_000);
  inspector = await createInspector(url);
  worker = await startWorker(url, { RECV_TIMEOUT_SECONDS: "5" });
  doc = (await (await up.request("/openapi.json")).json()) as typeof doc;
  // Workflows the scenarios refer to.
  await up.request(`/start-workflow-streaming/done-${run}/1`, { method: "POST" });
  await up.request(`/start-workflow-events/ev-${run}/1`, { method: "POST" });
  // Waits minutes for a reviewer who never comes: what is cancelled while it runs.
  const review = kindNamed("document-review");
  await up.request(startPath(review, `cancel-${run}`, review.example), { method: "POST" });
  // Reviews an approval link is opened on, and answered.
  for (const name of ["open", "answer"])
    await up.request(startPath(review, `review-${name}-${run}`, review.example), {
      method: "POST",
    });
  await inspector.result(`done-${run}`);
  await inspector.result(`ev-${run}`);
  // Wait for an approval (for 5 s), what messages and webhooks are sent to: started last, so
  // they still wait when the scenarios run (a finished workflow's send is a 409).
  await up.request(`/start-workflow-messaging/msg-${run}/1`, { method: "POST" });
  await up.request(`/start-workflow-messaging/hook-${run}/1`, { method: "POST" });
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
  for (const backend of backends) await backend.close();
});

/** [operation (path template), method, the app, the request path, init]: one real request. */
type Scenario = [
  template: string,
  method: string,
  app: "up" | "down" | "keyed" | "tokens" | "tokensDown",
  path: string,
  init?: RequestInit,
];
const post = (
  body?: string,
  headers: Record<string, string> = { "content-type": "application/json" },
) => ({
  method: "POST",
  body,
  headers,
});
const sse = { headers: { accept: "text/event-stream" } };
/** An approval link's answers as a program asks for them (a page is HTML otherwise). */
const asJson = { accept: "application/json" };
const answerLink = (body: string) => post(body, { ...asJson, "content-type": "application/json" });
const big = JSON.stringify({ pad: "x".repeat(70_000) });
/** A signed webhook's body, naming its target workflow. */
const target = (workflowId: string) => JSON.stringify({ workflow_id: workflowId });

/**
 * Each startable kind's start route, derived from its declaration: a new workflow (200), an ID
 * that another kind uses (409), a bad ID (422), the database down (503).
 */
const startScenarios = (): Scenario[] =>
  (KINDS.filter((k) => k.startable && k.pathRoute) as AnyKind[]).flatMap((kind): Scenario[] => {
    const template = [startPrefix(kind), ...startSegments(kind).map((s) => `{${s}}`)].join("/");
    const otherKind = kind.name === "streaming" ? `ev-${run}` : `done-${run}`;
    return [
      [template, "post", "up", startPath(kind, `new-${kind.name}-${run}`, kind.example), post()],
      [template, "post", "up", startPath(kind, otherKind, kind.example), post()],
      [template, "post", "up", startPath(kind, "bad id", kind.example), post()],
      [template, "post", "down", startPath(kind, "x", kind.example), post()],
    ];
  });

/**
 * Each startable kind's JSON start route: a new workflow (200), an ID another kind uses (409),
 * a body too large (413), one its declaration refuses (422), the database down (503).
 */
const jsonStartScenarios = (): Scenario[] =>
  (KINDS.filter((k) => k.startable) as AnyKind[]).flatMap((kind): Scenario[] => {
    const template = `${jsonStartPrefix(kind)}/{workflow_id}`;
    const otherKind = kind.name === "streaming" ? `ev-${run}` : `done-${run}`;
    const example = JSON.stringify(kind.example);
    return [
      [template, "post", "up", jsonStartPath(kind, `json-${kind.name}-${run}`), post(example)],
      [template, "post", "up", jsonStartPath(kind, otherKind), post(example)],
      [template, "post", "up", jsonStartPath(kind, "x"), post(big)],
      [template, "post", "up", jsonStartPath(kind, "x"), post('{"undeclared":1}')],
      [template, "post", "down", jsonStartPath(kind, "x"), post(example)],
    ];
  });

/** A concrete path for a documented template: every parameter a valid value. */
const concrete = (template: string) =>
  template.replace(/\{([^}]+)\}/g, (_, name: string) => (name === "workflow_id" ? "x" : "1"));

/** A token for another workflow than `concrete` names: no route lets it through. */
let foreignToken: string;

/**
 * What middleware answers on any route, derived from the document itself: every operation it
 * says needs a key, called without one (401) and with a token for another workflow (403); every
 * mutating one, sent a text body (415).
 */
const middlewareScenarios = (): Scenario[] =>
  Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).flatMap(([method, op]): Scenario[] => [
      ...(op.security?.length
        ? [
            [template, method, "keyed", concrete(template), { method }] as Scenario,
            [
              template,
              method,
              "tokens",
              concrete(template),
              { method, headers: { authorization: `Bearer ${foreignToken}` } },
            ] as Scenario,
          ]
        : []),
      ...(op.responses["415"]
        ? [
            [
              template,
              method,
              "up",
              concrete(template),
              post("{}", { "content-type": "text/plain" }),
            ] as Scenario,
          ]
        : []),
    ]),
  );

const scenarios = (): Scenario[] => [
  ...startScenarios(),
  ...jsonStartScenarios(),
  ...middlewareScenarios(),
  ["/health", "get", "up", "/health"],
  ["/", "get", "up", "/"],
  ["/", "get", "down", "/"],
  ["/workflow-events/{workflow_id}/all", "get", "up", `/workflow-events/ev-${run}/all`],
  ["/workflow-events/{workflow_id}/all", "get", "up", "/workflow-events/nobody/all", sse],
  ["/workflow-events/{workflow_id}/all", "get", "up", "/workflow-events/bad%20id/all"],
  ["/workflow-events/{workflow_id}/all", "get", "down", "/workflow-events/x/all"],
  ["/workflow-events/{workflow_id}/all/live", "get", "up", `/workflow-events/ev-${run}/all/live`],
  ["/workflow-events/{workflow_id}/all/live", "get", "up", "/workflow-events/nobody/all/live"],
  ["/workflow-events/{workflow_id}/all/live", "get", "up", "/workflow-events/bad%20id/all/live"],
  ["/workflow-events/{workflow_id}/all/live", "get", "down", "/workflow-events/x/all/live"],
  ["/workflow-events/{workflow_id}/{event_key}", "get", "up", `/workflow-events/ev-${run}/result`],
  [
    "/workflow-events/{workflow_id}/{event_key}",
    "get",
    "up",
    "/workflow-events/nobody/k?timeout=0",
  ],
  ["/workflow-events/{workflow_id}/{event_key}", "get", "up", "/workflow-events/x/k?timeout=-1"],
  ["/workflow-events/{workflow_id}/{event_key}", "get", "down", "/workflow-events/x/k?timeout=0"],
  [
    "/send-message/{workflow_id}",
    "post",
    "up",
    `/send-message/msg-${run}`,
    post('{"approved":false}'),
  ],
  ["/send-message/{workflow_id}", "post", "up", "/send-message/nobody", post("{}")],
  // The events kind declares no topic.
  ["/send-message/{workflow_id}", "post", "up", `/send-message/ev-${run}`, post("{}")],
  ["/send-message/{workflow_id}", "post", "up", `/send-message/msg-${run}`, post(big)],
  ["/send-message/{workflow_id}", "post", "up", `/send-message/msg-${run}`, post("[1]")],
  ["/send-message/{workflow_id}", "post", "down", "/send-message/x", post("{}")],
  ["/workflow-stream/{workflow_id}/live", "get", "up", `/workflow-stream/done-${run}/live`],
  ["/workflow-stream/{workflow_id}/live", "get", "up", "/workflow-stream/nobody/live"],
  ["/workflow-stream/{workflow_id}/live", "get", "up", "/workflow-stream/x/live?offset=-1"],
  ["/workflow-stream/{workflow_id}/live", "get", "up", `/workflow-stream/done-${run}/live?tail=2`],
  ["/workflow-stream/{workflow_id}/live", "get", "up", "/workflow-stream/x/live?tail=0"],
  ["/workflow-stream/{workflow_id}/live", "get", "down", "/workflow-stream/x/live"],
  ["/workflow-stream/{workflow_id}", "get", "up", `/workflow-stream/done-${run}`],
  ["/workflow-stream/{workflow_id}", "get", "up", `/workflow-stream/done-${run}?offset=1`],
  ["/workflow-stream/{workflow_id}", "get", "up", `/workflow-stream/done-${run}?tail=2`],
  ["/workflow-stream/{workflow_id}", "get", "up", "/workflow-stream/x?tail=1&offset=0"],
  ["/workflow-stream/{workflow_id}", "get", "up", "/workflow-stream/x?offset=a"],
  // The events kind declares no stream.
  ["/workflow-stream/{workflow_id}", "get", "up", `/workflow-stream/ev-${run}`],
  ["/workflow-stream/{workflow_id}", "get", "down", "/workflow-stream/x"],
  // Its own waiting workflow: a message to msg-* may finish that one first (then a 409).
  [
    "/webhooks/{workflow_id}",
    "post",
    "up",
    `/webhooks/hook-${run}`,
    post(target(`hook-${run}`), signedFor(target(`hook-${run}`))),
  ],
  ["/webhooks/{workflow_id}", "post", "up", `/webhooks/msg-${run}`, post("{}", signed("{}"))],
  [
    "/webhooks/{workflow_id}",
    "post",
    "up",
    "/webhooks/nobody",
    post(target("nobody"), signedFor(target("nobody"))),
  ],
  [
    "/webhooks/{workflow_id}",
    "post",
    "up",
    `/webhooks/ev-${run}`,
    post(target(`ev-${run}`), signedFor(target(`ev-${run}`))),
  ],
  ["/webhooks/{workflow_id}", "post", "up", `/webhooks/msg-${run}`, post(big, signedFor(big))],
  ["/webhooks/{workflow_id}", "post", "up", `/webhooks/msg-${run}`, post("[1]", signedFor("[1]"))],
  [
    "/webhooks/{workflow_id}",
    "post",
    "down",
    "/webhooks/x",
    post(target("x"), signedFor(target("x"))),
  ],
  ["/versions", "get", "up", "/versions"],
  ["/versions", "get", "down", "/versions"],
  ["/workflows", "get", "up", "/workflows?limit=2"],
  ["/workflows", "get", "up", "/workflows?limit=0"],
  ["/workflows", "get", "down", "/workflows"],
  ["/workflows/{workflow_id}", "get", "up", `/workflows/done-${run}`],
  ["/workflows/{workflow_id}", "get", "up", "/workflows/nobody"],
  ["/workflows/{workflow_id}", "get", "up", "/workflows/bad%20id"],
  ["/workflows/{workflow_id}", "get", "down", "/workflows/x"],
  ["/workflows/{workflow_id}/cancel", "post", "up", `/workflows/cancel-${run}/cancel`, post()],
  // Finished: nothing to cancel.
  ["/workflows/{workflow_id}/cancel", "post", "up", `/workflows/done-${run}/cancel`, post()],
  ["/workflows/{workflow_id}/cancel", "post", "up", "/workflows/nobody/cancel", post()],
  ["/workflows/{workflow_id}/cancel", "post", "up", "/workflows/bad%20id/cancel", post()],
  ["/workflows/{workflow_id}/cancel", "post", "down", "/workflows/x/cancel", post()],
  ["/workflows/{workflow_id}/resume", "post", "up", `/workflows/done-${run}/resume`, post()],
  ["/workflows/{workflow_id}/resume", "post", "up", "/workflows/nobody/resume", post()],
  ["/workflows/{workflow_id}/resume", "post", "up", "/workflows/bad%20id/resume", post()],
  ["/workflows/{workflow_id}/resume", "post", "down", "/workflows/x/resume", post()],
  ["/tokens", "post", "tokens", "/tokens", post(target("x"))],
  ["/tokens", "post", "up", "/tokens", post(target("x"))],
  ["/tokens", "post", "tokens", "/tokens", post(big)],
  ["/tokens", "post", "tokens", "/tokens", post('{"workflow_id":"x","ttl_seconds":0}')],
  [
    "/workflows/{workflow_id}/tokens/revoke",
    "post",
    "tokens",
    "/workflows/x/tokens/revoke",
    post(),
  ],
  ["/workflows/{workflow_id}/tokens/revoke", "post", "up", "/workflows/x/tokens/revoke", post()],
  [
    "/workflows/{workflow_id}/tokens/revoke",
    "post",
    "tokens",
    "/workflows/bad%20id/tokens/revoke",
    post(),
  ],
  [
    "/workflows/{workflow_id}/tokens/revoke",
    "post",
    "tokensDown",
    "/workflows/x/tokens/revoke",
    post(),
  ],
  ...linkScenarios(),
];

/**
 * Approval links: minted (and refused for a kind without approvals, a missing workflow, a bad or
 * large body, links off, the database down), opened and answered (and refused for a link altered,
 * expired, of a finished workflow, or a choice it does not offer), all asked for as JSON.
 */
const linkScenarios = (): Scenario[] => {
  const mint = "/workflows/{workflow_id}/links";
  const review = post('{"topic":"review"}');
  const approve = answerLink('{"choice":"approve"}');
  const open = { headers: asJson };
  return [
    [mint, "post", "tokens", `/workflows/review-open-${run}/links`, review],
    [mint, "post", "tokens", "/workflows/nobody/links", review],
    [mint, "post", "tokens", `/workflows/done-${run}/links`, review],
    [mint, "post", "tokens", `/workflows/review-open-${run}/links`, post(big)],
    [mint, "post", "tokens", `/workflows/review-open-${run}/links`, post('{"topic":""}')],
    [mint, "post", "tokensDown", "/workflows/x/links", review],
    ["/links/{token}", "get", "tokens", links.open, open],
    ["/links/{token}", "get", "tokens", "/links/not.a.link", open],
    ["/links/{token}", "get", "up", links.open, open],
    ["/links/{token}", "get", "tokens", links.finished, open],
    ["/links/{token}", "get", "tokens", links.expired, open],
    ["/links/{token}", "get", "tokensDown", links.open, open],
    ["/links/{token}", "post", "tokens", links.answer, approve],
    [
      "/links/{token}",
      "post",
      "tokens",
      links.onlyApprove,
      answerLink('{"choice":"request_changes"}'),
    ],
    ["/links/{token}", "post", "up", links.open, approve],
    ["/links/{token}", "post", "tokens", links.finished, approve],
    ["/links/{token}", "post", "tokens", links.expired, approve],
    ["/links/{token}", "post", "tokens", links.open, answerLink(big)],
    ["/links/{token}", "post", "tokens", links.open, answerLink('{"note":"no choice"}')],
    ["/links/{token}", "post", "tokensDown", links.open, approve],
  ];
};

describe("the OpenAPI document", () => {
  it("asks for a key everywhere but on the open paths", () => {
    const open = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.values(ops)
        .filter((op) => op.security?.length === 0)
        .map(() => path),
    );
    expect(open.sort()).toEqual([
      "/health",
      "/links/{token}",
      "/links/{token}",
      "/webhooks/{workflow_id}",
    ]);
    expect((doc as unknown as { security?: unknown }).security).toBeUndefined();
  });

  it("lets a capability token reach exactly its workflow's status, events, streams and sends", () => {
    const byToken = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => JSON.stringify(op.security).includes('"token"'))
        .map(([method]) => `${method} ${path}`),
    );
    expect(byToken.sort()).toEqual([
      "get /workflow-events/{workflow_id}/all",
      "get /workflow-events/{workflow_id}/all/live",
      "get /workflow-events/{workflow_id}/{event_key}",
      "get /workflow-stream/{workflow_id}",
      "get /workflow-stream/{workflow_id}/live",
      "get /workflows/{workflow_id}",
      "post /send-message/{workflow_id}",
    ]);
  });

  it("is OpenAPI 3.1 and documents every route", () => {
    expect((doc as unknown as { openapi: string }).openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    const exercised = new Set(scenarios().map(([template, method]) => `${method} ${template}`));
    expect(documented.sort()).toEqual([...exercised].sort());
  });

  it("documents each kind's JSON start with its parameters as the body", () => {
    for (const kind of KINDS.filter((k) => k.startable) as AnyKind[]) {
      const { requestBody } = doc.paths[`${jsonStartPrefix(kind)}/{workflow_id}`]!
        .post as unknown as {
        requestBody: { required: boolean; content: Record<string, { schema: object }> };
      };
      expect(requestBody.required).toBe(true);
      expect(requestBody.content["application/json"]!.schema).toMatchObject({
        type: "object",
        additionalProperties: false,
        required: Object.keys(kind.params.shape),
      });
    }
    const order = doc.paths["/start/order/{workflow_id}"]!.post as unknown as {
      requestBody: { content: Record<string, { schema: { properties: Record<string, object> } }> };
    };
    expect(order.requestBody.content["application/json"]!.schema.properties).toMatchObject({
      items: { type: "array", minItems: 1, items: { type: "object", required: ["sku", "qty"] } },
      customer: { type: "object", required: ["name", "email"] },
    });
  });

  it("documents ?tail on a stream's snapshot and live feed, with its bounds", () => {
    for (const path of ["/workflow-stream/{workflow_id}", "/workflow-stream/{workflow_id}/live"]) {
      const { parameters } = doc.paths[path]!.get as unknown as {
        parameters: Array<{ name: string; in: string; schema: object }>;
      };
      expect(parameters.find((p) => p.name === "tail")).toMatchObject({
        in: "query",
        schema: { type: "integer", minimum: 1, maximum: MAX_STREAM_TAIL },
      });
    }
  });

  it("matches every answer, and every documented status is produced", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const seen = new Set<string>();
    const problems: string[] = [];
    // A few at a time: all at once, on a busy machine, a `timeout=0` read can queue behind the
    // others for the pool of 2 past its 500 ms margin and answer a (documented) 503 instead.
    await inBatches(scenarios(), 8, async ([template, method, which, path, init]) => {
      const response = await { up, down, keyed, tokens, tokensDown }[which].request(path, init);
      const status = String(response.status);
      seen.add(`${method} ${template} ${status}`);
      const documented = doc.paths[template]?.[method]?.responses[status];
      if (!documented)
        return void problems.push(`${method.toUpperCase()} ${path}: undocumented status ${status}`);
      const type = response.headers.get("content-type") ?? "";
      if (type.includes("text/event-stream")) {
        await response.body?.cancel();
        if (!documented.content?.["text/event-stream"])
          problems.push(`${path}: undocumented event stream`);
        return;
      }
      const schema = documented.content?.["application/json"]?.schema;
      if (!schema) return void problems.push(`${path}: no JSON schema for ${status}`);
      const validate = ajv.compile({ ...schema, components: doc.components });
      const body: unknown = await response.json();
      if (!validate(body))
        problems.push(
          `${method.toUpperCase()} ${path} ${status}: ${ajv.errorsText(validate.errors)}`,
        );
    });
    expect(problems).toEqual([]);
    const missing = Object.entries(doc.paths).flatMap(([template, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        Object.keys(op.responses)
          .filter((status) => !seen.has(`${method} ${template} ${status}`))
          .map((status) => `${method} ${template} ${status}`),
      ),
    );
    expect(missing).toEqual([]);
  });
});
