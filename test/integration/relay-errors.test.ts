import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { DEFAULT_APP_VERSION, UnavailableError } from "@wfc/core";
import { LiveFeedLimits, RELAY_PATHS, relayWaits, type Waits } from "@wfc/realtime";
import { relayAccess, relayApp } from "@wfc/realtime/relay-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createTestDatabase } from "../support/database.js";

// The relay's one error policy: a database that cannot serve is `unavailable` (the API's 503),
// anything else is a bug: logged by the relay with its words, a 500 without them for the caller.
const SECRET = "relay-errors-secret";
const INTERNALS = "Cannot read properties of undefined (reading 'secretColumn')";
const HEADERS = { host: "127.0.0.1", authorization: `Bearer ${SECRET}` };
const bug = () => {
  throw new TypeError(INTERNALS);
};
const unavailable = () => {
  throw new UnavailableError("The database did not answer in time, retry shortly");
};

/** A relay on `waits`, with what it logs. */
function relay(waits: Partial<Waits>, feedLimits = new LiveFeedLimits(Infinity, Infinity)) {
  const logged: Array<Record<string, unknown>> = [];
  const built = relayApp({
    waits: { event: bug, stream: bug, events: bug, ...waits } as Waits,
    refusal: relayAccess({ secret: SECRET, host: "127.0.0.1", allowedHosts: [] }),
    maxAnswers: 10,
    feedMaxMs: 5_000,
    feedLimits,
    log: (line) => logged.push(line),
  });
  return { ...built, logged };
}

const lines = async (response: Response) =>
  (await response.text())
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);

describe("the relay's error policy", () => {
  it("answers a programming error in a wait as `error`, logged with its words, without them", async () => {
    const { app, logged } = relay({});
    const response = await app.request(`${RELAY_PATHS.event}?workflow_id=w&key=k&timeout_ms=1000`, {
      headers: HEADERS,
    });
    expect(response.status).toBe(200);
    const body = await lines(response);
    expect(body).toEqual([{ t: "heartbeat" }, { t: "error" }]);
    expect(JSON.stringify(body)).not.toContain("secretColumn");
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: "error",
        msg: "relay answer failed",
        path: RELAY_PATHS.event,
        error: INTERNALS,
      }),
    );
  });

  it("answers a programming error before the answer starts 500, logged, without internals", async () => {
    const { app, logged } = relay({}, { admit: bug } as unknown as LiveFeedLimits);
    const response = await app.request(`${RELAY_PATHS.events}?workflow_id=w`, {
      headers: HEADERS,
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ detail: "Internal Server Error" });
    expect(logged).toContainEqual(
      expect.objectContaining({ level: "error", msg: "relay request failed", error: INTERNALS }),
    );
  });

  it("answers a database that cannot serve as `unavailable`", async () => {
    const { app, logged } = relay({ event: unavailable });
    const response = await app.request(`${RELAY_PATHS.event}?workflow_id=w&key=k&timeout_ms=1000`, {
      headers: HEADERS,
    });
    expect(await lines(response)).toEqual([{ t: "heartbeat" }, { t: "unavailable" }]);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: "error", msg: "relay read failed" }),
    );
  });
});

describe("the API through a relay that fails", () => {
  let baseUrl: string;
  let databaseUrl: string;
  let close = () => {};
  const fallbackCalls: string[] = [];
  const fallback: Waits = {
    event: () => {
      fallbackCalls.push("event");
      return Promise.resolve({ found: false });
    },
    // eslint-disable-next-line require-yield
    async *stream() {
      fallbackCalls.push("stream");
    },
    // eslint-disable-next-line require-yield
    async *events() {
      fallbackCalls.push("events");
    },
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase("wfc_relay_errors");
    const { app } = relay({});
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
        resolve(started),
      );
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it("answers a blocked GET 500 without internals, as a wait of its own would", async () => {
    const backend = createDbosBackend({
      databaseUrl,
      appVersion: DEFAULT_APP_VERSION,
      poolSize: 1,
      relayUrl: baseUrl,
      relaySecret: SECRET,
    });
    try {
      const app = createApp(backend, { log: () => {} });
      const response = await app.request("/workflow-events/w/k?timeout=1");
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ detail: "Internal Server Error" });
      expect(text).not.toContain("secretColumn");
    } finally {
      await backend.close();
    }
  });

  it("fails a live feed instead of reading itself: the relay is there, only broken", async () => {
    const waits = relayWaits({ baseUrl, secret: SECRET }, fallback);
    const follow = async () => {
      // The heartbeat comes first, as an empty batch.
      for await (const batch of waits.events("w", new AbortController().signal))
        expect(batch).toEqual({ changed: {} });
    };
    await expect(follow()).rejects.toThrow("The change relay failed to answer");
    expect(fallbackCalls).toEqual([]);
  });
});
