import * as z from "zod";
import { storableText } from "../contracts/stored.js";
import { defineKind } from "../kind.js";

/**
 * An order: a customer and a list of items, which no path segment can carry, so the kind is
 * started with a JSON body only (`POST /start/order/{workflow_id}`, `pathRoute: false`). Each
 * item is reserved (an event and a line on the order's log), then the order waits for the
 * payment provider's word on topic `payment`: `{"status": "paid" | "declined", "reference"?}`.
 * A message that is not one is waited past, as document-review's reviewer messages are.
 */

export const PAYMENT_TOPIC = "payment";
export const ORDER_LOG = "order_log";
export const MAX_ORDER_ITEMS = 50;

const MAX_PAYMENT_TIMEOUT_SECONDS = 7 * 24 * 3600;

const text = (what: string, max: number) =>
  storableText(what)
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`);

export const orderItemSchema = z.strictObject({
  sku: text("sku", 64),
  qty: z
    .number()
    .int("qty must be an integer")
    .min(1, "qty must be at least 1")
    .max(1000, "qty must be at most 1000"),
});

/** The payment provider's message on `payment`. */
export const paymentSchema = z.object({
  status: z.enum(["paid", "declined"]),
  reference: z.string().max(200).optional(),
});

/** The order's log: one line per reserved item, then the payment's outcome. */
export const orderLogSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("reserved"), sku: z.string(), qty: z.number() }),
  z.object({ type: z.literal("ignored_message"), message: z.unknown() }),
  z.object({ type: z.literal("paid"), reference: z.string().nullable() }),
  z.object({ type: z.literal("declined"), reference: z.string().nullable() }),
  z.object({ type: z.literal("timed_out"), after_seconds: z.number() }),
]);
export type OrderLogLine = z.output<typeof orderLogSchema>;

export default defineKind({
  name: "order",
  workflowName: "order",
  summary: "Start an order: its items are reserved, then it waits for the payment",
  pathRoute: false,
  params: z.strictObject({
    customer: z.strictObject({ name: text("customer.name", 200), email: z.email() }),
    items: z
      .array(orderItemSchema)
      .min(1, "items must list at least one item")
      .max(MAX_ORDER_ITEMS, `items must list at most ${MAX_ORDER_ITEMS} items`),
  }),
  example: {
    customer: { name: "Ada", email: "ada@example.com" },
    items: [
      { sku: "book-1", qty: 2 },
      { sku: "pen-7", qty: 1 },
    ],
  },
  events: ["state", "items_reserved"],
  topics: [PAYMENT_TOPIC],
  streams: [ORDER_LOG],
  settings: {
    paymentTimeoutSeconds: {
      env: "ORDER_PAYMENT_TIMEOUT_SECONDS",
      schema: z.coerce
        .number()
        .positive("must be a positive number of seconds")
        .max(MAX_PAYMENT_TIMEOUT_SECONDS, `must be at most ${MAX_PAYMENT_TIMEOUT_SECONDS} (7 days)`)
        .default(120),
      description: "How long an order waits for its payment on topic `payment`, in seconds",
    },
  },
  answer: z.object({
    workflow_id: z.string(),
    message: z.string(),
    items: z.number().int(),
    events: z.object({ state: z.string(), items_reserved: z.string(), all: z.string() }),
    send_payment: z.string(),
    order_log: z.string(),
  }),
  respond: (workflowId, { customer, items }) => {
    const events = `/workflow-events/${workflowId}`;
    return {
      workflow_id: workflowId,
      message: `Order of ${items.length} item(s) for ${customer.name} started; it waits for the payment once reserved`,
      items: items.length,
      events: {
        state: `${events}/state`,
        items_reserved: `${events}/items_reserved`,
        all: `${events}/all`,
      },
      send_payment: `/send-message/${workflowId}?topic=${PAYMENT_TOPIC}`,
      order_log: `/workflow-stream/${workflowId}?key=${ORDER_LOG}`,
    };
  },
  dashboard: { log: { stream: ORDER_LOG, records: orderLogSchema } },
});

/** The `state` event's values, in order. */
export type OrderState = "reserving" | "awaiting_payment" | "paid" | "declined" | "timed_out";

/** The workflow's output. */
export interface OrderOutput {
  outcome: Extract<OrderState, "paid" | "declined" | "timed_out">;
  customer: string;
  items: number;
  total_qty: number;
  reference: string | null;
}
