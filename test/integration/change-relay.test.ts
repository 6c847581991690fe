import { createServer, Socket, type AddressInfo, type Server } from "node:net";
import { DBOS } from "@dbos-inc/dbos-sdk";
import { DEFAULT_APP_VERSION } from "@wfc/core";
import { readServerSentEvents } from "@wfc/client";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createInspector } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, TEST_RELAY_SECRET, type TestWorker } from "../support/worker.js";

// The change relay (hosted by the worker) answers the API's waits, as in Lambda environments:
// the API opens no LISTEN and holds no database connection while its requests wait. Fallback
// polling is set to a minute unless a test says otherwise, so a quick answer was relayed.
let url: string;
let worker: TestWorker;
let relayUrl: string;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let admin: pg.Pool;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  url = await createTestDatabase();
  await DBOS.migrate(url);
  worker = await startWorker(url, { RELAY_PORT: "0" });
  relayUrl = `http://127.0.0.1:${String((await worker.ready).relayPort)}`;
  inspector = await createInspector(url);
  admin = new pg.Pool({ connectionString: url, max: 1 });
});
afterAll(async () => {
  for (const close of closers) await close();
  await admin?.end();
  await inspector?.close();
  await worker?.stop();
});

function api(relay: string, fallbackPollMs = 60_000) {
  const backend = createDbosBackend({
    databaseUrl: url,
    appVersion: DEFAULT_APP_VERSION,
    poolSize: 2,
    fallbackPollMs,
    relayUrl: relay,
    relaySecret: TEST_RELAY_SECRET,
  });
  closers.push(() => backend.close());
  return createApp(backend, { log: () => {} });
}

const apiConnections = async () =>
  (
    await admin.query<{ name: string; n: number }>(
      `SELECT application_name AS name, count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE 'workflow-communication-api%'
        GROUP BY 1`,
    )
  ).rows;

async function sse(response: Response) {
  const events = [];
  for await (const event of readServerSentEvents(response.body!)) events.push(event);
  return events;
}

describe("waits through the change relay", () => {
  it("wake on the worker's notification, with no LISTEN and no connection held meanwhile", async () => {
    const app = api(relayUrl);
    const id = `relay-wake-${Date.now()}`;
    const waiting = Array.from({ length: 20 }, () =>
      app.request(`/workflow-events/${id}/status?timeout=20`),
    );
    // Waiters parked in the relay: the API process has nothing open on the database.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await apiConnections()).toEqual([]);
    const started = performance.now();
    await app.request(`/start-workflow-events/${id}/1`, { method: "POST" });
    const answers = await Promise.all(waiting);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect((await apiConnections()).map((r) => r.name)).not.toContain(
      "workflow-communication-api-listen",
    );
  });

  it("answer 404 with the seed's detail when the timeout passes", async () => {
    const response = await api(relayUrl).request(`/workflow-events/nobody/never?timeout=0.5`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      detail: "Event 'never' not found or timeout reached",
    });
  });

  it("follow a live stream to its end, every value once and in order", async () => {
    const app = api(relayUrl);
    const id = `relay-live-${Date.now()}`;
    await app.request(`/start-workflow-streaming/${id}/3`, { method: "POST" });
    const events = await sse(await app.request(`/workflow-stream/${id}/live`));
    const values = events.filter((e) => e.event === "value");
    expect(values.map((e) => e.id)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(events.at(-1)).toEqual({ event: "end", data: '{"reason":"closed"}' });
  });

  it("follow a progress bar's live events to the end", async () => {
    const app = api(relayUrl);
    const id = `relay-bar-${Date.now()}`;
    await app.request(`/start-workflow-events/${id}/2`, { method: "POST" });
    const response = await app.request(`/workflow-events/${id}/all`, {
      headers: { accept: "text/event-stream" },
    });
    const changes = (await sse(response))
      .filter((e) => e.event === "change")
      .map((e) => JSON.parse(e.data) as { key: string; value: unknown });
    const final = Object.fromEntries(changes.map((c) => [c.key, c.value]));
    expect(final).toMatchObject({ progress: 100, status: "completed", result: { total_steps: 2 } });
  });
});

/** Closes a test server, and every connection it still has. */
function closeServer(server: Server, sockets: Set<Socket>) {
  for (const socket of sockets) socket.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A server that accepts connections and never writes a byte: a relay whose path went dead. */
async function silentServer() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => closeServer(server, sockets));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A TCP port in front of the relay that the test can cut: `cut()` destroys every connection. */
async function cuttableRelay(): Promise<{ url: string; cut(): void }> {
  const target = new URL(relayUrl);
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = new Socket();
    outbound.connect(Number(target.port), target.hostname);
    inbound.pipe(outbound).pipe(inbound);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => closeServer(server, sockets));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
  };
}

describe("when the relay fails, waits go on by themselves", () => {
  it("an unreachable relay: answers are still correct, from the API's own reads", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const app = api(`http://127.0.0.1:${port}`, 100);
    const id = `relay-down-${Date.now()}`;
    const waiting = app.request(`/workflow-events/${id}/result?timeout=20`);
    await app.request(`/start-workflow-events/${id}/1`, { method: "POST" });
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { value: unknown }).value).toMatchObject({
      total_steps: 1,
    });
  });

  it("a relay that accepts but never answers: a 1 s wait still answers on time", async () => {
    const app = api(await silentServer());
    const started = performance.now();
    const response = await app.request(`/workflow-events/nobody/never?timeout=1`);
    expect(response.status).toBe(404);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("a relay cut in the middle of a live stream: the feed goes on, nothing lost or repeated", async () => {
    const relay = await cuttableRelay();
    const app = api(relay.url, 100);
    const id = `relay-cut-${Date.now()}`;
    await app.request(`/start-workflow-streaming/${id}/4`, { method: "POST" });
    const response = await app.request(`/workflow-stream/${id}/live`);
    const ids: string[] = [];
    for await (const event of readServerSentEvents(response.body!)) {
      if (event.event === "value") ids.push(event.id!);
      if (ids.length === 2) relay.cut();
      if (event.event === "end") break;
    }
    expect(ids).toEqual([...Array(10).keys()].map(String));
    expect((await inspector.status(id)) ?? "").toBe("SUCCESS");
  });
});
