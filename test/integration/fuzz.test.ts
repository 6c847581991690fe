import { DBOS } from "@dbos-inc/dbos-sdk";
import { approvalOf, KINDS, startPath, type AnyKind, type ParamsOf } from "@wfc/core";
import { mintLink, newTokenKey, parseKeyRing } from "@wfc/tokens";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import {
  operationsOf,
  requestsFor,
  type FuzzRequest,
  type Operation,
  type Target,
} from "../support/fuzz-requests.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Every route of /openapi.json, fed generated parameters, headers and bodies (NUL, lone
// surrogates, numbers beyond every column, deep and large JSON, wrong content types), against
// the real app on a real database with a real worker running workflows of every kind. Whatever
// it is sent, the API answers below 500, with a JSON `detail` on every 4xx, and never shows its
// internals. Replay a failure with the FUZZ_SEED it prints; FUZZ_RUNS sets the runs per route.

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
/** How long one exchange may take before the client gives up (event waits, live feeds). */
const REQUEST_MS = 150;
/** Longest the answer may take once the client has given up: longer is a hang. */
const SETTLE_MS = 5_000;

const KEY = "fuzz-api-key";
const SECRET = `whsec_${Buffer.from("fuzz suite webhook secret, 32 b!").toString("base64")}`;
const signer = new Webhook(SECRET);

/** What an answer must never show: the database's, the driver's or the runtime's own words. */
const INTERNAL = [
  /postgres/i,
  /SQLSTATE/i,
  /\brelation\b/i,
  /^\s*at \S/m,
  /\.(ts|js):\d/,
  /invalid input syntax/i,
  /out of range/i,
  /terminating connection/i,
  /call stack/i,
  /ECONN/,
];

// The document does not depend on the backend: read it from an app that never connects.
const offline = createDbosBackend({
  databaseUrl: "postgres://x:y@127.0.0.1:1/none",
  appVersion: "1",
  poolSize: 1,
});
const openapi = await createApp(offline, { webhookSecret: SECRET, log: () => {} }).request(
  "/openapi.json",
);
const operations = operationsOf((await openapi.json()) as Parameters<typeof operationsOf>[0]);
await offline.close();

let api: ReturnType<typeof createTestApi>;
let worker: TestWorker;
const workflowIds: Array<{ id: string; kind: AnyKind; links: string[] }> = [];
const ring = parseKeyRing(newTokenKey("fuzz"));
const startable = KINDS.filter((k) => k.startable && k.pathRoute) as AnyKind[];

beforeAll(async () => {
  console.log(`fuzz: seed ${SEED}, ${RUNS} runs per route (replay: FUZZ_SEED=${SEED})`);
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  // Waiting workflows stay open to messages for the whole suite.
  worker = await startWorker(url, { RECV_TIMEOUT_SECONDS: "30", REVIEW_TIMEOUT_SECONDS: "30" });
  api = createTestApi(url, {
    apiKeys: [KEY],
    webhookSecret: SECRET,
    liveFeedMaxMs: 150,
    tokenKeys: ring,
    log: () => {},
  });
  for (const kind of startable) {
    for (const n of [1, 2]) {
      const id = `fz-${kind.name}-${n}`;
      const path = startPath(kind, id, kind.example as ParamsOf<typeof kind>);
      const started = await api.app.request(path, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(started.status).toBe(200);
      // Approval links for each topic with an approval: `/links/{token}` is fuzzed on real ones.
      const links = await Promise.all(
        kind.topics
          .filter((topic: string) => approvalOf(kind, topic))
          .map(async (topic: string) => {
            const choices = approvalOf(kind, topic)!.choices.map((choice) => choice.name);
            const link = await mintLink(ring, { workflow_id: id, topic, choices }, 3600);
            return link.path.slice("/links/".length);
          }),
      );
      workflowIds.push({ id, kind, links });
    }
  }
});
afterAll(async () => {
  await api?.close();
  await worker?.stop(2_000);
});

/**
 * Each started workflow with the channels its kind declares, and IDs that name no workflow (or
 * one a start creates).
 */
const targets = (): Target[] => [
  ...workflowIds.map(({ id, kind, links }) => ({
    workflow_id: [id],
    token: links,
    event_key: [...kind.events],
    topic: [...kind.topics],
    key: [...kind.streams],
  })),
  { workflow_id: ["no-such-workflow", "fz-new"] },
];

const sign = (id: string, body: string) => ({
  "webhook-id": id,
  "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
  "webhook-signature": signer.sign(id, new Date(), body),
});

/** Reads a live feed until it ends or `ms` have passed, then leaves it, as a client may. */
async function readFeed(body: ReadableStream<Uint8Array> | null, ms: number) {
  if (!body) return "";
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<"time up">((resolve) => {
    timer = setTimeout(() => resolve("time up"), ms);
  });
  let text = "";
  try {
    for (;;) {
      const chunk = await Promise.race([reader.read(), timeUp]);
      if (chunk === "time up" || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return text;
}

/** `promise`, or an error once `ms` have passed: an answer that never comes is a hang. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends `request` as an impatient client: it gives up (aborts) after REQUEST_MS, which ends a
 * blocked event read; a live feed is read until it ends (its time limit is short here).
 */
async function exchange(request: FuzzRequest) {
  const client = new AbortController();
  const giveUp = setTimeout(() => client.abort(), REQUEST_MS);
  const what = `${request.method} ${request.url}`;
  try {
    const response = await within(
      Promise.resolve(
        api.app.request(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: client.signal,
        }),
      ),
      REQUEST_MS + SETTLE_MS,
      what,
    );
    const type = response.headers.get("content-type") ?? "";
    const text = type.startsWith("text/event-stream")
      ? await readFeed(response.body, SETTLE_MS)
      : await within(response.text(), SETTLE_MS, what);
    return { status: response.status, type, text };
  } finally {
    clearTimeout(giveUp);
  }
}

/** `text` without the request's own inputs, which an answer may echo ("Event 'x' not found"). */
function withoutInputs(text: string, inputs: string[]) {
  return inputs
    .filter((input) => input.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((rest, input) => rest.split(input).join(""), text);
}

/** The `data` of each `event: error` of a server-sent event stream. */
const sseErrors = (text: string) =>
  text
    .split(/\n\n/)
    .filter((block) => /^event: error$/m.test(block))
    .map((block) => /^data: ?(.*)$/m.exec(block)?.[1] ?? "");

function check(request: FuzzRequest, answer: Awaited<ReturnType<typeof exchange>>) {
  const shown = `${request.method} ${request.url} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, shown).toBeLessThan(500);
  const details: string[] = [];
  if (
    answer.status >= 400 &&
    request.url.startsWith("/links/") &&
    answer.type.startsWith("text/html")
  ) {
    // An approval link's page, asked for as a page: its detail is the alert's text.
    const detail = /role="alert"><h1>[^<]+<\/h1><p>([^<]+)<\/p>/.exec(answer.text)?.[1];
    expect(detail, shown).toBeTypeOf("string");
    details.push(detail!);
  } else if (answer.status >= 400) {
    expect(answer.type, shown).toMatch(/^application\/json/);
    const detail = (JSON.parse(answer.text) as { detail?: unknown }).detail;
    expect(typeof detail, shown).toBe("string");
    details.push(detail as string);
  }
  if (answer.type.startsWith("text/event-stream")) {
    for (const data of sseErrors(answer.text)) {
      const parsed = JSON.parse(data) as { detail?: unknown };
      expect(typeof parsed.detail, shown).toBe("string");
      details.push(data);
    }
  }
  for (const detail of details) {
    const own = withoutInputs(detail, request.inputs);
    for (const pattern of INTERNAL) expect(own, shown).not.toMatch(pattern);
  }
}

/**
 * An operation without parameters or body has only the shared parts (headers, query), which
 * every other operation fuzzes too: a quarter of the runs.
 */
const runsFor = (op: Operation) =>
  op.parameters.length || op.hasBody ? RUNS : Math.ceil(RUNS / 4);

describe("fuzzing every documented route", () => {
  it.each(operations.map((op) => [`${op.method} ${op.path}`, op] as const))(
    "%s answers every generated request below 500, with a detail and no internals",
    async (_, op) => {
      const requests = requestsFor(op, {
        targets: targets(),
        sign,
        authorization: `Bearer ${KEY}`,
      });
      try {
        await fc.assert(
          fc.asyncProperty(requests, async (request) => check(request, await exchange(request))),
          { numRuns: runsFor(op), seed: SEED, endOnFailure: true },
        );
      } catch (error) {
        throw new Error(`replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}\n${String(error)}`, {
          cause: error,
        });
      }
    },
  );
});
