import { jsonStartPath, KINDS, kindNamed, startPath, type AnyKind } from "@wfc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ORDER_ITEMS } from "../../packages/core/src/kinds/order.js";
import { startTestStack } from "../support/api.js";

// `POST /start/<kind>/{workflow_id}` with the parameters as a JSON body, on a real worker and
// the real app: every startable kind by its example, the same workflow and answer as its path
// route; the order kind (lists, objects) run to completion; every bad body a 4xx with detail.
let stack: Awaited<ReturnType<typeof startTestStack>>;
const run = Date.now().toString(36);
const order = kindNamed("order");

beforeAll(async () => {
  stack = await startTestStack({ ORDER_PAYMENT_TIMEOUT_SECONDS: "30" });
});
afterAll(async () => {
  await stack?.close();
});

const startJson = (kind: AnyKind, id: string, body: unknown, headers?: Record<string, string>) =>
  stack.api.post(jsonStartPath(kind, id), body, headers);

const pathKinds = (KINDS as readonly AnyKind[]).filter((k) => k.startable && k.pathRoute);

describe.each(pathKinds.map((kind) => [kind.name, kind] as const))("a %s workflow", (_, kind) => {
  it("started with its example as a JSON body is its path route's workflow and answer", async () => {
    const byJson = `json-${kind.name}-${run}`;
    const byPath = `path-${kind.name}-${run}`;
    const json = await startJson(kind, byJson, kind.example);
    const path = await stack.api.post(startPath(kind, byPath, kind.example as never));
    expect(json.status).toBe(200);
    expect(path.status).toBe(200);
    expect(JSON.stringify(json.body).split(byJson).join("ID")).toBe(
      JSON.stringify(path.body).split(byPath).join("ID"),
    );
    const stored = await stack.inspector.client.getWorkflow(byJson);
    expect(stored?.workflowName).toBe(kind.workflowName);
    expect(await stack.inspector.inputs(byJson)).toEqual(await stack.inspector.inputs(byPath));
  });
});

describe("an order started with a nested JSON body", () => {
  it("runs with its lists and objects as sent, to completion", async () => {
    const id = `order-${run}`;
    const answer = await startJson(order, id, order.example);
    expect(answer).toMatchObject({ status: 200, body: { workflow_id: id, items: 2 } });
    expect(await stack.inspector.inputs(id)).toEqual([order.example]);
    const deadline = Date.now() + 20_000;
    while (
      (await stack.api.get(`/workflow-events/${id}/state`)).body.value !== "awaiting_payment"
    ) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const log = await stack.api.get(`/workflow-stream/${id}?key=order_log`);
    expect(log.body.stream_values).toEqual([
      { type: "reserved", sku: "book-1", qty: 2 },
      { type: "reserved", sku: "pen-7", qty: 1 },
    ]);
    const paid = await stack.api.post(`/send-message/${id}?topic=payment`, {
      status: "paid",
      reference: "pay-1",
    });
    expect(paid.status).toBe(200);
    expect(await stack.inspector.result(id)).toEqual({
      outcome: "paid",
      customer: "Ada",
      items: 2,
      total_qty: 3,
      reference: "pay-1",
    });
  });

  it("repeated with the same body answers the same 200; with another, a 409", async () => {
    const id = `order-again-${run}`;
    const first = await startJson(order, id, order.example);
    expect(first.status).toBe(200);
    // Same parameters, another key order: the same input.
    const reordered = { items: order.example.items, customer: order.example.customer };
    const again = await startJson(order, id, reordered);
    expect([again.status, again.body]).toEqual([first.status, first.body]);
    const other = { ...order.example, items: [{ sku: "book-1", qty: 3 }] };
    const conflict = await startJson(order, id, other);
    expect(conflict.status).toBe(409);
    expect(conflict.body.detail).toMatch(/already exists with other parameters/);
    expect(await stack.inspector.inputs(id)).toEqual([order.example]);
  });

  it("has no path route", async () => {
    expect(() => startPath(order, "x", order.example as never)).toThrow(/no path route/);
    expect((await stack.api.post("/start-workflow-order/x")).status).toBe(404);
  });
});

const item = order.example.items[0];
const badBodies: [what: string, body: unknown, detail: RegExp][] = [
  ["a missing field", { items: [item] }, /customer/],
  ["a missing nested field", { ...order.example, customer: { name: "Ada" } }, /customer\.email/],
  ["a wrong type", { ...order.example, items: "book-1" }, /items/],
  ["a wrong nested type", { ...order.example, items: [{ sku: "a", qty: "2" }] }, /items\.0\.qty/],
  ["an empty list", { ...order.example, items: [] }, /items must list at least one item/],
  [
    "too many items",
    { ...order.example, items: Array.from({ length: MAX_ORDER_ITEMS + 1 }, () => item) },
    /items must list at most/,
  ],
  ["an undeclared field", { ...order.example, coupon: "X" }, /coupon/],
  ["an undeclared nested field", { ...order.example, items: [{ ...item, price: 1 }] }, /price/],
  ["a bad email", { ...order.example, customer: { name: "A", email: "no" } }, /customer\.email/],
  ["a NUL in a nested text", { ...order.example, items: [{ sku: "a\0", qty: 1 }] }, /NUL/],
  ["invalid JSON", "{", /valid JSON/],
  ["not an object", "[1]", /JSON object/],
];

describe("a bad JSON start", () => {
  it.each(badBodies)("with %s is a 422 naming it, and starts nothing", async (_, body, detail) => {
    const id = `bad-${run}`;
    const answer = await startJson(order, id, body);
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toMatch(detail);
    expect(await stack.inspector.status(id)).toBeUndefined();
  });

  it("of a path kind with a wrong type or an undeclared field is a 422 naming it", async () => {
    const events = kindNamed("events");
    // The path route's parsing from text would coerce each of these to a number.
    for (const n_steps of [[1], "1", true]) {
      const wrong = await startJson(events, `bad-ev-${run}`, { n_steps });
      expect(wrong).toMatchObject({ status: 422, body: { detail: "n_steps must be an integer" } });
    }
    const extra = await startJson(events, `bad-ev-${run}`, { n_steps: 1, steps: 2 });
    expect(extra).toMatchObject({ status: 422, body: { detail: expect.stringMatching(/steps/) } });
    expect(await stack.inspector.status(`bad-ev-${run}`)).toBeUndefined();
  });

  it("too large is a 413", async () => {
    const big = { ...order.example, customer: { name: "x".repeat(70_000), email: "a@b.co" } };
    const answer = await startJson(order, `big-${run}`, big);
    expect(answer).toMatchObject({
      status: 413,
      body: { detail: expect.stringMatching(/at most/) },
    });
  });

  it("of another content type is a 415", async () => {
    const answer = await startJson(order, `type-${run}`, JSON.stringify(order.example), {
      "content-type": "text/plain",
    });
    expect(answer).toMatchObject({ status: 415, body: { detail: expect.any(String) } });
  });

  it("with a bad workflow ID is a 422 naming it", async () => {
    const answer = await startJson(order, "bad id", order.example);
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toMatch(/workflow_id/);
  });

  it("of an unknown or unstartable kind is a 404 naming the kinds", async () => {
    for (const name of ["nope", "fanout-child", "fanout"]) {
      const answer = await stack.api.post(`/start/${name}/x`, {});
      expect(answer.status).toBe(404);
      expect(answer.body.detail).toMatch(/No such kind to start \(kinds: .*'order'/);
    }
  });
});
