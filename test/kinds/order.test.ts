import { createWorkflowClient, WorkflowApiError, type Transport } from "@wfc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrderLogLine, OrderOutput } from "../../packages/core/src/kinds/order.js";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The kind whose parameters are a list and an object: declared with `pathRoute: false`, started
// with a JSON body through the typed client, run on a real worker and the real app.

const run = Date.now();
const id = (name: string) => `order-${name}-${run}`;
const customer = { name: "Ada", email: "ada@example.com" };

let worker: TestWorker;
let api: ReturnType<typeof createTestApi>;
let client: ReturnType<typeof createWorkflowClient>;

beforeAll(async () => {
  const url = await createTestDatabase("order");
  worker = await startWorker(url, { ORDER_PAYMENT_TIMEOUT_SECONDS: "2" });
  api = createTestApi(url);
  const transport: Transport = {
    baseUrl: "http://api.test",
    fetch: async (input, init) => api.app.request(input, init),
  };
  client = createWorkflowClient(transport);
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

/** Follows the live events until the order waits for its payment. */
async function awaitingPayment(workflowId: string) {
  const stop = new AbortController();
  for await (const change of client.followEvents(workflowId, { signal: stop.signal })) {
    if (change.key === "state" && change.value === "awaiting_payment") break;
  }
  stop.abort();
}

/** The order's output, once it has finished: the live feed ends when it does. */
async function output(workflowId: string) {
  const changes = client.followEvents(workflowId);
  while (!(await changes.next()).done);
  return (await client.getWorkflow(workflowId)).output as unknown as OrderOutput;
}

describe("an order, declared with lists and objects", () => {
  it("starts through the typed client with a JSON body, reserves each item and is paid", async () => {
    const wf = id("paid");
    const items = [
      { sku: "book-1", qty: 2 },
      { sku: "pen-7", qty: 5 },
      { sku: "ink-3", qty: 1 },
    ];
    const answer = await client.start("order", wf, { customer, items });
    // Where to read and send, each path derived from the ID.
    const events = Object.fromEntries(
      ["state", "items_reserved", "all"].map((key) => [key, `/workflow-events/${wf}/${key}`]),
    );
    expect(answer).toEqual({
      workflow_id: wf,
      message: expect.stringContaining("3 item(s) for Ada"),
      items: 3,
      events,
      send_payment: `/send-message/${wf}?topic=payment`,
      order_log: `/workflow-stream/${wf}?key=order_log`,
    });
    expect(await client.start("order", wf, { customer, items })).toEqual(answer);
    await awaitingPayment(wf);
    expect((await client.getEvent(wf, "items_reserved", 0)).value).toBe(3);
    // Not a payment: logged and waited past.
    await client.sendMessage(wf, { paid: true }, { topic: "payment" });
    await client.sendMessage(wf, { status: "paid", reference: "p-9" }, { topic: "payment" });
    expect(await output(wf)).toEqual({
      outcome: "paid",
      customer: "Ada",
      items: 3,
      total_qty: 8,
      reference: "p-9",
    });
    const log = await client.streamSnapshot<OrderLogLine>(wf, { key: "order_log" });
    expect(log.stream_values).toEqual([
      ...items.map((item) => ({ type: "reserved", ...item })),
      { type: "ignored_message", message: { paid: true } },
      { type: "paid", reference: "p-9" },
    ]);
  });

  it("ends declined, or timed out when no payment comes", async () => {
    const declined = id("declined");
    await client.start("order", declined, { customer, items: [{ sku: "a", qty: 1 }] });
    await client.sendMessage(declined, { status: "declined" }, { topic: "payment" });
    expect(await output(declined)).toMatchObject({ outcome: "declined", reference: null });
    const late = id("late");
    await client.start("order", late, { customer, items: [{ sku: "a", qty: 1 }] });
    expect(await output(late)).toMatchObject({ outcome: "timed_out" });
  });

  it("refuses bad input by name, typed and at the API", async () => {
    const error = await client
      .start("order", id("bad"), {
        customer,
        // @ts-expect-error qty is a number
        items: [{ sku: "a", qty: "1" }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowApiError);
    expect((error as WorkflowApiError).status).toBe(422);
    expect((error as WorkflowApiError).detail).toMatch(/items\.0\.qty/);
  });
});
