import { DBOS } from "@dbos-inc/dbos-sdk";
import { newTokenKey } from "@wfc/tokens";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createInspector } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { apiGatewayV1Event, lambdaContext } from "../support/lambda-events.js";
import { installLambdaStreamingRuntime, responseStream } from "../support/lambda-runtime.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The response-streaming Lambda entry (functions/api/src/stream-handler.ts) behind a REST API
// route in STREAM mode: live server-sent events must leave the function as they are written.
type StreamingHandler = (event: unknown, stream: unknown, context: unknown) => Promise<void>;
let handler: StreamingHandler;
const STAGE_URL = "https://abc123xyz.execute-api.us-east-1.amazonaws.com/prod/";
let worker: TestWorker;
let inspector: Awaited<ReturnType<typeof createInspector>>;

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  process.env.DBOS_SYSTEM_DATABASE_URL = url;
  // As deployed: the stage's URL (the API Gateway's, with its stage path) starts minted links.
  process.env.TOKEN_KEYS = newTokenKey("lambda");
  process.env.PUBLIC_API_URL = STAGE_URL;
  installLambdaStreamingRuntime();
  ({ handler } = (await import("../../functions/api/src/stream-handler.js")) as unknown as {
    handler: StreamingHandler;
  });
  worker = await startWorker(url);
  inspector = await createInspector(url);
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
});

it("streams a workflow's values as server-sent events, each as it is written", async () => {
  const id = `lambda-live-${Date.now()}`;
  const { stream: startStream, response: started } = responseStream();
  await handler(
    apiGatewayV1Event({ method: "POST", path: `/start-workflow-streaming/${id}/3` }),
    startStream,
    lambdaContext,
  );
  expect(started.metadata?.statusCode).toBe(200);

  const arrivals: string[] = [];
  const { stream, response } = responseStream((text) => arrivals.push(text));
  const event = apiGatewayV1Event({ method: "GET", path: `/workflow-stream/${id}/live` });
  await handler(event, stream, lambdaContext);
  await response.ended;

  expect(response.metadata?.statusCode).toBe(200);
  expect(response.metadata?.headers["content-type"]).toMatch(/text\/event-stream/);
  const body = response.chunks.join("");
  const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(body).toMatch(/event: end\ndata: {"reason":"closed"}/);
  // Written event by event, not buffered into one body.
  expect(arrivals.length).toBeGreaterThanOrEqual(9);
});

it("answers ordinary JSON routes through the same streaming entry", async () => {
  const { stream, response } = responseStream();
  await handler(apiGatewayV1Event({ method: "GET", path: "/health" }), stream, lambdaContext);
  expect(response.metadata?.statusCode).toBe(200);
  expect(JSON.parse(response.chunks.join(""))).toMatchObject({ status: "ok" });
});

it("mints an approval link with the stage's URL, and serves and takes its form through REST API events", async () => {
  const id = `lambda-link-${Date.now()}`;
  const invoke = async (request: Parameters<typeof apiGatewayV1Event>[0]) => {
    const { stream, response } = responseStream();
    await handler(apiGatewayV1Event(request), stream, lambdaContext);
    await response.ended;
    return { ...response.metadata!, body: response.chunks.join("") };
  };
  expect(
    (await invoke({ method: "POST", path: `/start-workflow-document-review/${id}/1` })).statusCode,
  ).toBe(200);
  const minted = await invoke({
    method: "POST",
    path: `/workflows/${id}/links`,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ topic: "review", recipient: "ada" }),
  });
  expect(minted.statusCode).toBe(201);
  const { url, path } = JSON.parse(minted.body) as { url: string; path: string };
  expect(url).toBe(`${STAGE_URL.slice(0, -1)}${path}`);

  const page = await invoke({ method: "GET", path });
  expect(page.statusCode).toBe(200);
  expect(page.headers["content-type"]).toMatch(/^text\/html/);
  expect(page.body).toContain('<button type="submit" name="choice" value="approve"');
  // What a browser posts from the page, as API Gateway passes it on (a text body, not base64).
  const answered = await invoke({
    method: "POST",
    path,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "choice=approve&note=From+Lambda",
  });
  expect(answered.statusCode).toBe(200);
  expect(answered.body).toContain("Your answer, “Approve”, was sent");
  expect(await inspector.result(id)).toMatchObject({
    outcome: "approved",
    reviewer: "ada",
    note: "From Lambda",
  });
});
