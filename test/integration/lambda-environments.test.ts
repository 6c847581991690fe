import {
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
  TooManyRequestsException,
} from "@aws-sdk/client-lambda";
import { createWorkflowClient, readServerSentEvents, WorkflowApiError } from "@wfc/client";
import { lambdaTransport } from "@wfc/client/lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_RUNTIME } from "../../infra/api-function.js";
import { createTestDatabase } from "../support/database.js";
import { apiGatewayV1Event } from "../support/lambda-events.js";
import {
  processNodeVersion,
  processState,
  startLambdaMode,
  type LambdaMode,
} from "../support/lambda-mode.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The local Lambda mode against a real worker and PostgreSQL: execution environments are node
// processes running the bundle, one invocation each at a time, frozen between invocations.
// Room for the four long waits below and the request that ends two of them.
const CONCURRENCY = 5;
const NOT_FOUND = "Event 'result' not found or timeout reached";
let databaseUrl: string;
let worker: TestWorker;
let lambda: LambdaMode;
let client: LambdaClient;

beforeAll(async () => {
  databaseUrl = await createTestDatabase("lambda_envs");
  worker = await startWorker(databaseUrl);
  lambda = await startLambdaMode(databaseUrl, { LAMBDA_CONCURRENCY: String(CONCURRENCY) });
  client = new LambdaClient({
    endpoint: lambda.invokeEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    // The SDK retries throttling by itself; here the first answer is the one under test.
    maxAttempts: 1,
  });
  // The SDK loads most of its code on the first call: take that out of the timed tests (an
  // unknown function is refused before any environment is involved).
  await client.send(new InvokeCommand({ FunctionName: "warm-up" })).catch(() => {});
});
afterAll(async () => {
  client?.destroy();
  await lambda?.service.stop();
  await worker?.stop();
});

const blockedGet = (id: string) =>
  fetch(`${lambda.gateway}/workflow-events/${id}/result?timeout=2`).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { detail: string },
  }));

describe("execution environments", () => {
  it("reuses one environment for sequential requests, frozen (stopped) in between", async () => {
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${lambda.gateway}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: "ok" });
    }
    const stats = await lambda.waitForStats((s) => s.frozen === 1);
    expect(stats).toMatchObject({ coldStarts: 1, invocations: 4, busy: 0 });
    expect(stats.environments).toHaveLength(1);
    expect(await processState(stats.environments[0]!.pid!)).toBe("T");
  });

  it(`runs each environment on the function's runtime, ${API_RUNTIME}`, async () => {
    expect((await fetch(`${lambda.gateway}/health`)).status).toBe(200);
    const stats = await lambda.waitForStats((s) => s.environments.length > 0 && s.busy === 0);
    const major = /^nodejs(\d+)\.x$/.exec(API_RUNTIME)![1];
    const version = await processNodeVersion(stats.environments[0]!.pid!);
    expect(version.startsWith(`v${major}.`)).toBe(true);
  });

  it("runs N concurrent blocked GETs in N environments, and throttles the next with 429", async () => {
    const waits = Array.from({ length: CONCURRENCY }, (_, i) => blockedGet(`nobody-sets-${i}`));
    const busy = await lambda.waitForStats((s) => s.busy === CONCURRENCY);
    expect(busy.environments).toHaveLength(CONCURRENCY);

    const throttled = await fetch(`${lambda.gateway}/health`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1");
    expect(((await throttled.json()) as { detail: string }).detail).toMatch(/concurrency limit/);
    const invoke = client.send(
      new InvokeCommand({
        FunctionName: "Api",
        Payload: JSON.stringify(apiGatewayV1Event({ method: "GET", path: "/health" })),
      }),
    );
    await expect(invoke).rejects.toBeInstanceOf(TooManyRequestsException);

    for (const answer of await Promise.all(waits)) {
      expect(answer).toEqual({ status: 404, body: { detail: NOT_FOUND } });
    }
    const after = await lambda.waitForStats((s) => s.frozen === CONCURRENCY);
    expect(after.coldStarts).toBe(CONCURRENCY);
    expect(after.throttled).toBe(2);
  });

  it("delivers a live stream through the API Gateway front event by event", async () => {
    // A document review writes its audit records, then waits for a reviewer: a streamed
    // response delivers those records while it waits, a buffered one only with the end.
    const id = "lambda-live";
    const started = await fetch(`${lambda.gateway}/start-workflow-document-review/${id}/2`, {
      method: "POST",
    });
    expect(started.status).toBe(200);
    const response = await fetch(`${lambda.gateway}/workflow-stream/${id}/live?key=audit_log`);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const ids: (string | undefined)[] = [];
    let decided = false;
    let end: string | undefined;
    for await (const event of readServerSentEvents(response.body!)) {
      if (event.event === "end") end = event.data;
      if (event.event !== "value") continue;
      ids.push(event.id);
      // Both pages' records arrived while the workflow still waits: then the reviewer decides.
      if (ids.length === 2 && !decided) {
        decided = true;
        const sent = await fetch(`${lambda.gateway}/send-message/${id}?topic=review`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ decision: "approve", reviewer: "ada" }),
        });
        expect(sent.status).toBe(200);
      }
    }
    expect(decided).toBe(true);
    expect(ids.slice(0, 3)).toEqual(["0", "1", "2"]);
    expect(end).toBeDefined();
  });

  it("keeps running an invocation whose client went away", async () => {
    const before = await lambda.stats();
    const abort = new AbortController();
    const pending = fetch(`${lambda.gateway}/workflow-events/gone-client/result?timeout=2`, {
      signal: abort.signal,
    }).catch(() => "aborted");
    await lambda.waitForStats((s) => s.busy === 1);
    abort.abort();
    expect(await pending).toBe("aborted");
    // Still busy after the client left; frozen again only once the handler has answered.
    expect((await lambda.stats()).busy).toBe(1);
    const after = await lambda.waitForStats((s) => s.busy === 0);
    expect(after.invocations).toBe(before.invocations + 1);
  });

  it("serves the Invoke API through the pool: Invoke and InvokeWithResponseStream", async () => {
    const before = await lambda.stats();
    const event = apiGatewayV1Event({ method: "GET", path: "/health" });
    const buffered = await client.send(
      new InvokeCommand({ FunctionName: "Api", Payload: JSON.stringify(event) }),
    );
    const bytes = Buffer.from(buffered.Payload!);
    const at = bytes.indexOf(Buffer.alloc(8));
    expect(JSON.parse(bytes.subarray(0, at).toString())).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(bytes.subarray(at + 8).toString())).toMatchObject({ status: "ok" });

    const streamed = await client.send(
      new InvokeWithResponseStreamCommand({ FunctionName: "Api", Payload: JSON.stringify(event) }),
    );
    const chunks: Buffer[] = [];
    for await (const part of streamed.EventStream!) {
      if (part.PayloadChunk?.Payload) chunks.push(Buffer.from(part.PayloadChunk.Payload));
      expect(part.InvokeComplete?.ErrorCode).toBeUndefined();
    }
    expect(Buffer.concat(chunks).toString()).toContain('"status":"ok"');
    const after = await lambda.stats();
    expect(after.invocations).toBe(before.invocations + 2);
    expect(after.coldStarts).toBe(before.coldStarts);
  });
});

describe("responses longer than any keep-alive timeout", () => {
  // Node's HTTP servers drop a keep-alive connection idle for 5 s: a wait longer than that must
  // still be answered (up to the function timeout), through each front, in one environment each.
  // Set a second past the keep-alive timeout; the waits last 3 s more, room for the start's own
  // cold environment and its workflow on a loaded machine.
  const WAIT_SECONDS = 9;
  const SET_AFTER_MS = 6_000;

  const overGateway = async (id: string) => {
    const startedAt = performance.now();
    const response = await fetch(
      `${lambda.gateway}/workflow-events/${id}/result?timeout=${WAIT_SECONDS}`,
    );
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      seconds: (performance.now() - startedAt) / 1000,
    };
  };
  const overInvokeApi = async (id: string) => {
    const typed = createWorkflowClient(lambdaTransport({ lambda: client, functionName: "Api" }));
    const startedAt = performance.now();
    const answer = await typed.getEvent(id, "result", WAIT_SECONDS).then(
      (ok) => ({ status: 200, body: ok as Record<string, unknown> }),
      (error: unknown) =>
        error instanceof WorkflowApiError
          ? { status: error.status, body: { detail: error.detail } }
          : { status: 0, body: { error: String(error) } },
    );
    return { ...answer, seconds: (performance.now() - startedAt) / 1000 };
  };

  it(`answers ${WAIT_SECONDS} s waits through API Gateway and the Invoke API: 404 at the timeout, 200 once set after 6 s`, async () => {
    const before = await lambda.stats();
    const run = Date.now();
    const setLate = `late-${run}`;
    const waits = [
      overGateway(`never-${run}-gw`),
      overInvokeApi(`never-${run}-invoke`),
      overGateway(setLate),
      overInvokeApi(setLate),
    ];
    await lambda.waitForStats((s) => s.busy === waits.length);
    await new Promise((resolve) => setTimeout(resolve, SET_AFTER_MS));
    // The events workflow sets `result` once its one step is done (milliseconds).
    const started = await fetch(`${lambda.gateway}/start-workflow-events/${setLate}/1`, {
      method: "POST",
    });
    expect(started.status).toBe(200);
    const [gwMissing, invokeMissing, gwSet, invokeSet] = await Promise.all(waits);
    for (const missing of [gwMissing!, invokeMissing!]) {
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ detail: NOT_FOUND });
      expect(missing.seconds).toBeGreaterThanOrEqual(WAIT_SECONDS - 0.1);
      expect(missing.seconds).toBeLessThan(WAIT_SECONDS + 3);
    }
    for (const set of [gwSet!, invokeSet!]) {
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ workflow_id: setLate, event_key: "result" });
      expect(set.seconds).toBeGreaterThanOrEqual(SET_AFTER_MS / 1000);
    }
    // Every environment lived through its long response and is frozen for the next one.
    const after = await lambda.waitForStats((s) => s.busy === 0);
    expect(after.environments.filter((e) => e.state === "frozen").length).toBeGreaterThanOrEqual(
      waits.length,
    );
    expect(after.timedOut).toBe(before.timedOut);
    expect(lambda.output.join("\n")).not.toMatch(/Runtime exited|socket hang up/);
  }, 30_000);
});

describe("idle reaping, timeouts and cold starts", () => {
  let short: LambdaMode;
  beforeAll(async () => {
    short = await startLambdaMode(databaseUrl, {
      LAMBDA_IDLE_SECONDS: "0.3",
      LAMBDA_TIMEOUT_SECONDS: "1",
      API_GATEWAY_IDLE_SECONDS: "0.5",
    });
  });
  afterAll(async () => {
    await short?.service.stop();
  });

  it("reaps an idle environment, then starts a new one (a cold start each time)", async () => {
    const runs = 5;
    for (let i = 1; i <= runs; i++) {
      expect((await fetch(`${short.gateway}/health`)).status).toBe(200);
      const { environments } = await short.waitForStats((s) => s.frozen === 1);
      const pid = environments[0]!.pid!;
      await short.waitForStats((s) => s.reaped === i && s.environments.length === 0);
      expect(await processState(pid)).toBeUndefined();
    }
    const stats = await short.stats();
    expect(stats).toMatchObject({ coldStarts: runs, invocations: runs, reaped: runs });
    const { firstAnswer, nodeStart, import: imported } = stats.coldStartMs;
    console.log(
      `cold start (spawn -> first answer of GET /health), median of ${runs}: ` +
        `${firstAnswer!.toFixed(0)} ms (node start ${nodeStart!.toFixed(0)} ms, ` +
        `bundle loaded at ${imported!.toFixed(0)} ms); target <= 300 ms`,
    );
  });

  it("kills an environment whose invocation runs past the function timeout", async () => {
    const response = await fetch(`${short.gateway}/workflow-events/never/result?timeout=3`);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ message: "Endpoint request timed out" });
    const stats = await short.waitForStats((s) => s.environments.length === 0);
    expect(stats.timedOut).toBe(1);
    expect((await fetch(`${short.gateway}/health`)).status).toBe(200);
  });

  it("closes a streamed response that stays silent past API Gateway's idle limit", async () => {
    const id = "lambda-silent";
    await fetch(`${short.gateway}/start-workflow-messaging/${id}/1`, { method: "POST" });
    const openedAt = performance.now();
    // A waiting messaging workflow publishes nothing: its live events feed stays silent.
    const response = await fetch(`${short.gateway}/workflow-events/${id}/all`, {
      headers: { accept: "text/event-stream" },
    });
    expect(response.status).toBe(200);
    const read = (async () => {
      for await (const event of readServerSentEvents(response.body!)) void event;
    })();
    await expect(read).rejects.toThrow();
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(450);
  });
});
