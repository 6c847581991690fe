import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestStack } from "../support/api.js";

// Fibonacci steps are CPU-bound by design. They run in worker threads, so while one long step
// computes, the worker keeps serving other workflows' events, messages and streams.
let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: Awaited<ReturnType<typeof startTestStack>>["api"];
let inspector: Awaited<ReturnType<typeof startTestStack>>["inspector"];

beforeAll(async () => {
  stack = await startTestStack({ SHUTDOWN_GRACE_MS: "0" });
  ({ api, inspector } = stack);
});
afterAll(() => stack?.close());

/** Waits until the event `key` of `id` has the value `expected` (there is no push for values). */
async function until(id: string, key: string, expected: unknown) {
  for (;;) {
    const { body } = await api.get(`/workflow-events/${id}/${key}?timeout=10`);
    if (body.value === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it("serves other workflows while a multi-second fibonacci step runs", async () => {
  const slow = `slow-${Date.now()}`;
  await api.post(`/start-workflow-events/${slow}/15`);
  // Step 15 computes fibonacci(42): ~2.5 s of CPU on this class of machine.
  await until(slow, "status", "processing_step_15");

  const started = performance.now();
  const fast = `fast-${Date.now()}`;
  const msg = `fast-msg-${Date.now()}`;
  await api.post(`/start-workflow-streaming/${fast}/2`);
  await api.post(`/start-workflow-messaging/${msg}/1`);
  await api.post(`/send-message/${msg}`, { approved: true });
  await inspector.result(fast);
  expect(await inspector.result(msg)).toMatchObject({ status: "completed" });
  const elapsed = performance.now() - started;

  expect((await api.get(`/workflow-stream/${fast}`)).body.total_messages).toBe(6);
  // The long step was still running: the others did not wait for it.
  expect((await api.get(`/workflow-events/${slow}/status`)).body.value).toBe("processing_step_15");
  expect(elapsed).toBeLessThan(1500);
});
