import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createBrowserClient } from "@wfc/browser";
import { newTokenKey, parseKeyRing } from "@wfc/tokens";
import { afterAll, beforeAll, expect } from "vitest";
import type { DocumentReviewOutput } from "../../packages/core/src/kinds/document-review.js";
import { createTestApi } from "./api.js";
import { createTestDatabase } from "./database.js";
import { startWorker, type TestWorker } from "./worker.js";

// What the approval-link tests share: a real worker (signing links with the API's key ring, and
// posting a review's link to a receiver here) and the real app with an API key, and the requests
// a person's browser and a program make.

const KEY = "approval-links-test-key-0123456789";
const ringText = newTokenKey("k1");
export const ring = parseKeyRing(ringText);
/** Where the worker says the API is: the links it mints inside workflows start with it. */
export const PUBLIC_API_URL = "https://api.example.com/stage";
const run = Date.now();
export const id = (name: string) => `link-${name}-${run}`;
export const authorized = { authorization: `Bearer ${KEY}` };
export const json = { accept: "application/json" };
/** A form post's body and type, with `headers` besides. */
export const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
});

let worker: TestWorker;
let api: ReturnType<typeof createTestApi>;
export const logged: string[] = [];

/** The app the links are answered by, to serve over HTTP (a browser's tests). */
export const linksApp = () => api.app;

/** A request to the in-process app, with a body as given. */
export type Answer = Omit<Response, "json"> & { json(): Promise<any> };
export const request = async (path: string, init: RequestInit = {}): Promise<Answer> =>
  api.app.request(path, init);

/** The browser client over the in-process app with the API key, for live waits. */
const client = () =>
  createBrowserClient({
    baseUrl: "http://api.test",
    token: KEY,
    fetch: async (input, init) => api.app.request(new Request(input, init)),
  });

/** Starts a review and returns once it waits on `review` (what a link page calls "asking"). */
export async function waitingReview(name: string) {
  const workflowId = id(name);
  const start = await request(`/start-workflow-document-review/${workflowId}/2`, {
    method: "POST",
    headers: authorized,
  });
  expect(start.status).toBe(200);
  // The feed runs until `onWaitingFor` says the review waits; then it is stopped.
  const stop = new AbortController();
  const waiting = new Promise<void>((resolve) => {
    const feed = client().followEvents(workflowId, {
      signal: stop.signal,
      onWaitingFor: (waitingFor) => waitingFor?.topic === "review" && resolve(),
    });
    void drain(feed).catch(() => stop.signal.aborted);
  });
  await waiting;
  stop.abort();
  return workflowId;
}

/** Reads a feed to its end. */
async function drain(feed: AsyncIterable<unknown>) {
  const iterator = feed[Symbol.asyncIterator]();
  while (!(await iterator.next()).done);
}

/** The review's outcome once it has ended (the live feed ends with the workflow). */
export async function outcome(workflowId: string) {
  await drain(client().followEvents(workflowId));
  const summary = await (await request(`/workflows/${workflowId}`, { headers: authorized })).json();
  return summary as { status: string; output: DocumentReviewOutput };
}

export async function mint(
  workflowId: string,
  body: Record<string, unknown> = { topic: "review" },
): Promise<{ status: number; body: any }> {
  const response = await request(`/workflows/${workflowId}/links`, {
    method: "POST",
    headers: { ...authorized, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A link's path, minted (201 asserted). */
export async function linkFor(workflowId: string, body?: Record<string, unknown>): Promise<string> {
  const minted = await mint(workflowId, body);
  expect(minted.status).toBe(201);
  return minted.body.path;
}

/** The review's audit log. */
export async function auditLog(workflowId: string) {
  const response = await request(`/workflow-stream/${workflowId}?key=audit_log`, {
    headers: authorized,
  });
  return ((await response.json()) as { stream_values: Record<string, unknown>[] }).stream_values;
}

/** The audit log's decisions and ignored messages: what reached the workflow. */
export async function received(workflowId: string) {
  const log = await auditLog(workflowId);
  return log.filter((r) => r.type === "decision" || r.type === "ignored_message");
}

/**
 * REVIEW_NOTIFY_URL's receiver: what each review posted, by workflow ID. A review whose ID says
 * `notify-fails` is answered 500, as a chat that is down; one whose ID says `notify-held` is
 * answered only once `release` is called, so the review stays in its step, not yet waiting.
 */
type Notice = Record<string, string>;
interface Posted {
  promise: Promise<Notice>;
  resolve: (notice: Notice) => void;
  release: () => void;
}
const posted = new Map<string, Posted>();
export const postedFor = (workflowId: string): Posted => {
  if (!posted.has(workflowId)) {
    let resolve!: (notice: Notice) => void;
    const promise = new Promise<Notice>((r) => (resolve = r));
    posted.set(workflowId, { promise, resolve, release: () => {} });
  }
  return posted.get(workflowId)!;
};
const notifier = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", () => {
    const json = JSON.parse(body) as Record<string, string>;
    const id = json.workflow_id!;
    const entry = postedFor(id);
    if (id.includes("notify-fails")) return res.writeHead(500).end();
    if (id.includes("notify-held")) entry.release = () => res.writeHead(204).end();
    else res.writeHead(204).end();
    entry.resolve(json);
  });
});

export function useLinksStack() {
  beforeAll(async () => {
    const url = await createTestDatabase("links");
    await new Promise<void>((resolve) => notifier.listen(0, "127.0.0.1", resolve));
    const { port } = notifier.address() as AddressInfo;
    worker = await startWorker(url, {
      TOKEN_KEYS: ringText,
      PUBLIC_API_URL,
      REVIEW_NOTIFY_URL: `http://127.0.0.1:${port}/notify`,
    });
    api = createTestApi(url, { apiKeys: [KEY], tokenKeys: ring, log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    notifier.close();
  });
}
