import {
  createWorkflowClient,
  withApiKey as withCredential,
  WorkflowApiError,
  type StreamRecord,
  type Transport,
  type WaitingFor,
  type WorkflowClient,
} from "@wfc/client";
import { kindNamed, startPath } from "@wfc/core";
import { expect } from "vitest";
import { dropFirstLiveResponse } from "./drop-connection.js";

/** What a scenario gets: a client, its transport, and a transport with another API key. */
export interface ScenarioContext {
  client: WorkflowClient;
  transport: Transport;
  withApiKey(key: string): Transport;
  /** A workflow ID unique to this scenario and transport. */
  id(name: string): string;
}

async function rejection(promise: Promise<unknown>): Promise<WorkflowApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowApiError);
  return error as WorkflowApiError;
}

async function waitForStatus(client: WorkflowClient, id: string, status: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const workflow = await client.getWorkflow(id);
    if (workflow.status === status || Date.now() > deadline) return workflow;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every scenario runs over each transport with the same expectations. */
export const scenarios: [string, (c: ScenarioContext) => Promise<void>][] = [
  [
    "an events workflow publishes progress and its result, read with a wait",
    async ({ client, id }) => {
      const wf = id("events");
      expect((await client.start("events", wf, { n_steps: 2 })).query_endpoints.result).toBe(
        `/workflow-events/${wf}/result`,
      );
      const result = await client.getEvent<{ total_steps: number }>(wf, "result", 20);
      expect(result.value.total_steps).toBe(2);
      const all = await client.allEvents(wf);
      expect(all.events).toMatchObject({ status: "completed", progress: 100 });
    },
  ],
  [
    "an order starts with its nested parameters, typed, as a JSON body, and runs when paid",
    async ({ client, id }) => {
      const wf = id("order");
      const params = {
        customer: { name: "Ada", email: "ada@example.com" },
        items: [{ sku: "book-1", qty: 2 }],
      };
      const answer = await client.start("order", wf, params);
      expect(answer).toMatchObject({ workflow_id: wf, items: 1 });
      expect(answer.send_payment).toBe(`/send-message/${wf}?topic=payment`);
      // @ts-expect-error an order has no path route: its parameters are a list and an object
      expect(() => startPath(kindNamed("order"), wf, params)).toThrow(/no path route/);
      await client.sendMessage(wf, { status: "paid" }, { topic: "payment" });
      const done = await waitForStatus(client, wf, "SUCCESS");
      expect(done.output).toMatchObject({ outcome: "paid", total_qty: 2 });
    },
  ],
  [
    "any kind starts by its JSON route too, with the same answer",
    async ({ client, id }) => {
      const wf = id("json");
      const answer = await client.startJson("events", wf, { n_steps: 1 });
      expect(answer.query_endpoints.result).toBe(`/workflow-events/${wf}/result`);
      expect(await client.start("events", wf, { n_steps: 1 })).toEqual(answer);
    },
  ],
  [
    "an event that is never set is a 404 with the API's detail",
    async ({ client, id }) => {
      const error = await rejection(client.getEvent(id("missing"), "result", 0));
      expect(error.status).toBe(404);
      expect(error.detail).toBe("Event 'result' not found or timeout reached");
    },
  ],
  [
    "bad input is a 422 naming what was wrong",
    async ({ client, id }) => {
      const error = await rejection(client.start("events", id("bad"), { n_steps: 99 }));
      expect(error.status).toBe(422);
      expect(error.detail).toMatch(/n_steps/);
    },
  ],
  [
    "a repeated start answers as the first did, and one with other parameters is a 409",
    async ({ client, id }) => {
      const wf = id("repeat");
      const first = await client.start("document-review", wf, { pages: 2 });
      expect(await client.start("document-review", wf, { pages: 2 })).toEqual(first);
      const error = await rejection(client.start("document-review", wf, { pages: 50 }));
      expect(error.status).toBe(409);
      expect(error.detail).toMatch(/already exists with other parameters/);
    },
  ],
  [
    "a wrong API key is refused with 401",
    async ({ withApiKey, id }) => {
      const intruder = createWorkflowClient(withApiKey("not-the-right-key-at-all"));
      expect(
        (await rejection(intruder.start("events", id("intruder"), { n_steps: 1 }))).status,
      ).toBe(401);
    },
  ],
  [
    "an approval sent twice with one Idempotency-Key completes the messaging workflow once",
    async ({ client, id }) => {
      const wf = id("approval");
      await client.start("messaging", wf, { n_steps: 2 });
      const sent = await client.sendMessage(
        wf,
        { approved: true },
        { idempotencyKey: `key-${wf}` },
      );
      expect(sent.payload).toEqual({ approved: true });
      await client.sendMessage(wf, { approved: true }, { idempotencyKey: `key-${wf}` });
      const done = await waitForStatus(client, wf, "SUCCESS");
      expect(done).toMatchObject({ kind: "messaging", status: "SUCCESS" });
      expect(done.output).toMatchObject({ status: "completed" });
    },
  ],
  [
    "a live stream yields every value in order and its snapshot from an offset agrees",
    async ({ client, id }) => {
      const wf = id("stream");
      await client.start("streaming", wf, { n_steps: 2 });
      const live = [];
      for await (const item of client.followStream<StreamRecord>(wf)) live.push(item);
      expect(live.map((v) => v.offset)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(live.map((v) => v.value.type)).toEqual([
        "start",
        "progress",
        "result",
        "progress",
        "result",
        "complete",
      ]);
      const snapshot = await client.streamSnapshot(wf, { offset: 4 });
      expect(snapshot).toMatchObject({ offset: 4, next_offset: 6, closed: true });
      expect(snapshot.stream_values).toEqual(live.slice(4).map((v) => v.value));
    },
  ],
  [
    "a live stream cut off mid-way resumes after the last value, nothing lost or repeated",
    async ({ transport, id }) => {
      const wf = id("resume");
      const dropping = dropFirstLiveResponse(transport, 3);
      const client = createWorkflowClient(dropping.transport);
      await client.start("streaming", wf, { n_steps: 3 });
      const offsets: number[] = [];
      for await (const item of client.followStream(wf, { retryDelayMs: 10 })) {
        offsets.push(item.offset);
      }
      expect(offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(dropping.lastEventIds).toEqual([null, "2"]);
    },
  ],
  [
    "a stream's last values, as a snapshot and as where a live feed starts, resumed if cut off",
    async ({ client, transport, id }) => {
      const wf = id("tail");
      await client.start("streaming", wf, { n_steps: 2 });
      await waitForStatus(client, wf, "SUCCESS");
      const all = await client.streamSnapshot(wf);
      const tail = await client.streamSnapshot(wf, { tail: 2 });
      expect(tail).toEqual({
        workflow_id: wf,
        stream_values: all.stream_values.slice(4),
        total_messages: 2,
        offset: 4,
        next_offset: 6,
        closed: true,
      });
      // Cut off after its first value, the feed goes on after it, not from the tail again.
      const dropping = dropFirstLiveResponse(transport, 1);
      const follower = createWorkflowClient(dropping.transport);
      const live = [];
      for await (const item of follower.followStream(wf, { tail: 3, retryDelayMs: 10 }))
        live.push(item);
      expect(live.map((v) => v.offset)).toEqual([3, 4, 5]);
      expect(live.map((v) => v.value)).toEqual(all.stream_values.slice(3));
      expect(dropping.lastEventIds).toEqual([null, "3"]);
      const both = await rejection(client.streamSnapshot(wf, { offset: 1, tail: 1 }));
      expect(both.status).toBe(422);
      expect(both.detail).toMatch(/offset and tail cannot be combined/);
    },
  ],
  [
    "live events follow a workflow to its result",
    async ({ client, id }) => {
      const wf = id("live-events");
      await client.start("events", wf, { n_steps: 1 });
      const changes = [];
      for await (const change of client.followEvents(wf)) changes.push(change);
      // The last batch may carry `status` and `result` in either order.
      expect(changes.find((c) => c.key === "result")?.value).toMatchObject({ total_steps: 1 });
      expect(changes.filter((c) => c.key === "status").at(-1)?.value).toBe("completed");
    },
  ],
  [
    "a waiting workflow can be cancelled, listed and resumed",
    async ({ client, id }) => {
      const wf = id("manage");
      await client.start("messaging", wf, { n_steps: 1 });
      expect((await client.cancelWorkflow(wf)).status).toBe("CANCELLED");
      const page = await client.listWorkflows({ kind: "messaging", status: "CANCELLED" });
      expect(page.workflows.map((w) => w.workflow_id)).toContain(wf);
      expect((await client.resumeWorkflow(wf)).status).not.toBe("CANCELLED");
      await client.sendMessage(wf, { approved: false });
      expect((await waitForStatus(client, wf, "SUCCESS")).output).toMatchObject({
        status: "cancelled",
      });
      expect((await rejection(client.getWorkflow(id("nobody")))).status).toBe(404);
    },
  ],
  [
    "what a workflow waits for, read and followed live until the message arrives",
    async ({ client, id }) => {
      const wf = id("waiting");
      await client.start("messaging", wf, { n_steps: 1 });
      const announced: (WaitingFor | null)[] = [];
      const followed = (async () => {
        const onWaitingFor = (w: WaitingFor | null) => announced.push(w);
        for await (const change of client.followEvents(wf, { onWaitingFor })) void change;
      })();
      const until = Date.now() + 20_000;
      let waiting: WaitingFor | null | undefined;
      while (!(waiting = (await client.getWorkflow(wf)).waiting_for) && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(waiting).toMatchObject({ topic: "notification" });
      // The messaging kind's default timeout (RECV_TIMEOUT_SECONDS, 60).
      expect(Date.parse(waiting!.deadline) - Date.parse(waiting!.since)).toBe(60_000);
      while (announced.length === 0 && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await client.sendMessage(wf, { approved: true });
      await followed;
      expect(announced).toEqual([waiting, null]);
      expect((await client.getWorkflow(wf)).waiting_for).toBe(null);
    },
  ],
  [
    "the versions in flight name the worker's version as the current one",
    async ({ client }) => {
      const { latest, versions } = await client.versions();
      expect(latest).toBe("1");
      expect(versions.find((v) => v.version === "1")).toMatchObject({
        latest: true,
        state: "current",
      });
    },
  ],
  [
    "a minted approval link is answered once, with nothing but its path",
    async ({ client, transport, id }) => {
      const wf = id("link");
      await client.start("document-review", wf, { pages: 1 });
      const link = await client.mintLink(wf, { topic: "review", recipient: "ada" });
      expect(link).toMatchObject({ workflow_id: wf, choices: ["approve", "request_changes"] });
      expect(link.url.endsWith(link.path)).toBe(true);
      const answer = () =>
        transport.fetch(transport.baseUrl + link.path, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ choice: "approve" }),
        });
      expect((await answer()).status).toBe(200);
      expect((await answer()).status).toBe(410);
      // The events feed ends with the workflow.
      for await (const change of client.followEvents(wf)) expect(change.key).toBeTypeOf("string");
      expect((await client.getWorkflow(wf)).output).toMatchObject({
        outcome: "approved",
        reviewer: "ada",
      });
    },
  ],
  [
    "a minted token reaches its workflow's status and listed events only, until revoked",
    async ({ client, transport, id }) => {
      const wf = id("token");
      await client.start("events", wf, { n_steps: 1 });
      const minted = await client.mintToken({
        workflow_id: wf,
        events: ["status"],
        ttl_seconds: 60,
      });
      expect(minted.scope).toEqual({
        workflow_id: wf,
        events: ["status"],
        streams: [],
        topics: [],
      });
      const reader = createWorkflowClient({
        baseUrl: transport.baseUrl,
        fetch: withCredential(transport.fetch, minted.token),
      });
      expect((await reader.getWorkflow(wf)).workflow_id).toBe(wf);
      expect((await reader.getEvent(wf, "status", 10)).event_key).toBe("status");
      expect((await rejection(reader.getEvent(wf, "progress", 0))).status).toBe(403);
      expect((await rejection(reader.listWorkflows())).status).toBe(403);
      expect((await rejection(reader.mintToken({ workflow_id: wf }))).status).toBe(403);
      await client.revokeTokens(wf);
      // Other API processes (Lambda environments) may trust their last read for 5 s.
      const deadline = Date.now() + 10_000;
      let status = 200;
      while (status !== 401 && Date.now() < deadline) {
        status = await reader.getWorkflow(wf).then(
          () => 200,
          (error: WorkflowApiError) => error.status,
        );
        if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status).toBe(401);
    },
  ],
];
