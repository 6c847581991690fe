import { DBOS } from "@dbos-inc/dbos-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInspector } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { apiGatewayV2Event, functionUrlEvent, lambdaContext } from "../support/lambda-events.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The exact entry Lambda runs (functions/api/src/handler.ts), configured from the environment
// as in AWS, driven with real event shapes against a real database and worker.
type Handler = (
  event: unknown,
  context: unknown,
) => Promise<{
  statusCode: number;
  body: string;
  headers: Record<string, string>;
  isBase64Encoded: boolean;
}>;

let handler: Handler;
let worker: TestWorker;
let inspector: Awaited<ReturnType<typeof createInspector>>;

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  process.env.DBOS_SYSTEM_DATABASE_URL = url;
  ({ handler } = (await import("../../functions/api/src/handler.js")) as unknown as {
    handler: Handler;
  });
  worker = await startWorker(url);
  inspector = await createInspector(url);
});
afterAll(async () => {
  await worker?.stop();
  await inspector?.close();
});

const shapes = { "API Gateway v2": apiGatewayV2Event, "Function URL": functionUrlEvent };

describe.each(Object.entries(shapes))("Lambda handler with %s events", (_, makeEvent) => {
  const id = `lambda-${makeEvent.name}-${Date.now()}`;

  it("answers the health check", async () => {
    const response = await handler(makeEvent({ method: "GET", path: "/health" }), lambdaContext);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ status: "ok" });
    expect(response.headers["content-type"]).toMatch(/application\/json/);
  });

  it("starts a workflow and waits for its event with the query-string timeout", async () => {
    const started = await handler(
      makeEvent({ method: "POST", path: `/start-workflow-events/${id}/2` }),
      lambdaContext,
    );
    expect(started.statusCode).toBe(200);
    expect(JSON.parse(started.body).workflow_id).toBe(id);
    const result = await handler(
      makeEvent({ method: "GET", path: `/workflow-events/${id}/result`, query: { timeout: "20" } }),
      lambdaContext,
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).value).toEqual({
      total_steps: 2,
      total_fibonacci: 317811 + 514229,
    });
  });

  it("delivers a JSON body to a waiting workflow", async () => {
    const msgId = `${id}-msg`;
    await handler(
      makeEvent({ method: "POST", path: `/start-workflow-messaging/${msgId}/1` }),
      lambdaContext,
    );
    const body = JSON.stringify({ approved: true });
    const sent = await handler(
      makeEvent({
        method: "POST",
        path: `/send-message/${msgId}`,
        body,
        headers: { "content-type": "application/json" },
      }),
      lambdaContext,
    );
    expect(sent.statusCode).toBe(200);
    expect(await inspector.result(msgId)).toEqual({
      status: "completed",
      results: [{ n: 10, fibonacci: 55 }],
    });
  });

  it("answers bad input with 422 and a detail", async () => {
    const response = await handler(
      makeEvent({ method: "POST", path: "/start-workflow-events/x/abc" }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body)).toEqual({ detail: "n_steps must be an integer" });
  });
});
