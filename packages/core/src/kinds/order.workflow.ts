import { DBOS } from "@dbos-inc/dbos-sdk";
import { defineWorkflow } from "../workflows/define.js";
import order, {
  ORDER_LOG,
  PAYMENT_TOPIC,
  paymentSchema,
  type OrderLogLine,
  type OrderOutput,
} from "./order.js";

/**
 * Reserves each item (the `items_reserved` event, a log line each), then waits on `payment`
 * until a valid payment message or the deadline, which a message waited past does not extend.
 */
export default defineWorkflow(order, ({ setEvent, recv, writeStream, closeStream, settings }) => {
  const log = (line: OrderLogLine) => writeStream(ORDER_LOG, line);

  return async ({ customer, items }): Promise<OrderOutput> => {
    await setEvent("state", "reserving");
    for (const [index, item] of items.entries()) {
      await log({ type: "reserved", sku: item.sku, qty: item.qty });
      await setEvent("items_reserved", index + 1);
    }
    await setEvent("state", "awaiting_payment");

    const timeout = settings.paymentTimeoutSeconds;
    // DBOS.now() is checkpointed: a recovered order replays the same deadline.
    const deadline = (await DBOS.now()) + timeout * 1000;
    let payment = null;
    while (payment === null) {
      const left = Math.max(0, (deadline - (await DBOS.now())) / 1000);
      const message = await recv<unknown>(PAYMENT_TOPIC, left);
      if (message === null) break;
      const parsed = paymentSchema.safeParse(message);
      if (parsed.success) payment = parsed.data;
      else await log({ type: "ignored_message", message });
    }
    const reference = payment?.reference ?? null;
    const outcome = payment?.status ?? "timed_out";
    await log(
      outcome === "timed_out"
        ? { type: outcome, after_seconds: timeout }
        : { type: outcome, reference },
    );
    await setEvent("state", outcome);
    await closeStream(ORDER_LOG);
    return {
      outcome,
      customer: customer.name,
      items: items.length,
      total_qty: items.reduce((sum, item) => sum + item.qty, 0),
      reference,
    };
  };
});
