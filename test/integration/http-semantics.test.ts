import http from "node:http";
import { connect } from "node:net";
import { DBOS } from "@dbos-inc/dbos-sdk";
import { DEFAULT_APP_VERSION } from "@wfc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/src/app.js";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { serveNode } from "../../functions/api/src/serve-node.js";
import { createInspector } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";

// HTTP semantics through the real Node server over real sockets: methods (HEAD, 405), content
// types (415), and what a keep-alive client's connection is like after an early rejection.
const KEY = "http-semantics-key-0123456789";
let backend: ReturnType<typeof createDbosBackend>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let open: { server: http.Server; base: string; port: number };
let keyed: { server: http.Server; base: string; port: number };
/** Resolves with the next access-log line that mentions `path`. */
const waiters: Array<(line: string) => boolean> = [];
const nextLogLine = (path: string) =>
  new Promise<string>((resolve) =>
    waiters.push((line) => line.includes(`"${path}"`) && (resolve(line), true)),
  );
const log = (line: string) => {
  const index = waiters.findIndex((waiter) => waiter(line));
  if (index >= 0) waiters.splice(index, 1);
};

const listen = async (app: ReturnType<typeof createApp>) => {
  const { server, address } = await serveNode(app, 0, "127.0.0.1");
  return {
    server: server as http.Server,
    base: `http://127.0.0.1:${address.port}`,
    port: address.port,
  };
};

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  backend = createDbosBackend({ databaseUrl: url, appVersion: DEFAULT_APP_VERSION, poolSize: 2 });
  inspector = await createInspector(url);
  open = await listen(createApp(backend, { log }));
  keyed = await listen(createApp(backend, { apiKeys: [KEY], log: () => {} }));
});
afterAll(async () => {
  open?.server.close();
  keyed?.server.close();
  await inspector?.close();
  await backend?.close();
});

const workflowCount = async () =>
  (await inspector.client.listWorkflows({ loadInput: false, loadOutput: false })).length;

/** Requests on one kept-alive socket (maxSockets 1): each reports the socket it used. */
function keepAliveClient(port: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method: string, path: string, headers = {}, body?: Buffer | string) =>
    new Promise<{
      status: number;
      headers: http.IncomingHttpHeaders;
      body: string;
      reused: boolean;
    }>((resolve, reject) => {
      const req = http.request({ port, host: "127.0.0.1", method, path, headers, agent }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: text,
            reused: req.reusedSocket,
          }),
        );
      });
      req.on("error", reject);
      req.end(body);
    });
  return { request, close: () => agent.destroy() };
}

describe("methods", () => {
  it("answers HEAD / like a GET without starting the fan-out", async () => {
    const before = await workflowCount();
    const response = await fetch(`${open.base}/`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    expect(await workflowCount()).toBe(before);
  });

  it("answers a wrong method with 405 and the methods the path allows", async () => {
    const post = await fetch(`${open.base}/health`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(await post.json()).toEqual({ detail: "Method Not Allowed" });
    const get = await fetch(`${open.base}/send-message/wf-1`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const head = await fetch(`${open.base}/start-workflow-events/wf-1/3`, { method: "HEAD" });
    expect(head.status).toBe(405);
  });

  it("still answers an unknown path 404", async () => {
    const response = await fetch(`${open.base}/no-such-route`, { method: "DELETE" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Not Found" });
  });
});

describe("content types", () => {
  it.each([
    ["text/plain (a cross-site simple request)", { "content-type": "text/plain" }],
    ["a form", { "content-type": "application/x-www-form-urlencoded" }],
    ["no type at all", {}],
  ])("refuses a message body sent as %s with 415, delivering nothing", async (_, headers) => {
    const id = `ct-${Math.random().toString(36).slice(2)}`;
    const response = await fetch(`${open.base}/send-message/${id}`, {
      method: "POST",
      headers,
      body: new Blob(['{"approved":true}']),
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/application\/json/);
  });

  it("accepts JSON with a charset", async () => {
    const response = await fetch(`${open.base}/send-message/nobody`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: "{}",
    });
    expect(response.status).toBe(404);
  });

  it("starts a workflow from a POST with no body and no type, as the seed's curl does", async () => {
    const id = `curl-${Date.now()}`;
    const client = keepAliveClient(open.port);
    const response = await client.request("POST", `/start-workflow-events/${id}/1`);
    client.close();
    expect(response.status).toBe(200);
    expect(await inspector.status(id)).toBeDefined();
  });
});

describe("a keep-alive client after an early rejection", () => {
  const big = Buffer.alloc(2 * 1024 * 1024, "x");

  it("gets 413 for a 2 MB body and its next request works", async () => {
    const first = await fetch(`${open.base}/send-message/wf-big`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(first.status).toBe(413);
    expect(first.headers.get("connection")).toBe("close");
    expect((await fetch(`${open.base}/health`)).status).toBe(200);
  });

  it.each([
    ["over the limit", big, 413],
    ["within the limit", Buffer.from('{"approved":true}'), 404],
  ] as const)(
    "counts a chunked body of unknown length %s as it streams in",
    async (_, bytes, status) => {
      // Two chunks and no Content-Length: fetch sends `Transfer-Encoding: chunked`.
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const half = Math.floor(bytes.length / 2);
          controller.enqueue(bytes.subarray(0, half));
          controller.enqueue(bytes.subarray(half));
          controller.close();
        },
      });
      const response = await fetch(`${open.base}/send-message/nobody-chunked`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit);
      expect(response.status).toBe(status);
      const { detail } = (await response.json()) as { detail: string };
      expect(detail).toMatch(status === 413 ? /at most 65536 bytes/ : /not found/);
    },
  );

  it.each([
    ["413", "open", { "content-type": "application/json" }, 413],
    ["415", "open", { "content-type": "text/plain" }, 415],
    ["401", "keyed", { "content-type": "application/json" }, 401],
  ] as const)(
    "closes the connection cleanly after a %s with the body unread, and the next request works",
    async (_, which, headers, status) => {
      const target = which === "open" ? open : keyed;
      const client = keepAliveClient(target.port);
      const body = status === 413 ? big : '{"approved":true}';
      const first = await client.request("POST", "/send-message/wf-x", headers, body);
      expect(first.status).toBe(status);
      const second = await client.request("GET", "/health");
      client.close();
      expect(second.status).toBe(200);
    },
  );

  it("keeps the connection open after an answer that read the body", async () => {
    const client = keepAliveClient(open.port);
    const first = await client.request(
      "POST",
      "/send-message/nobody",
      { "content-type": "application/json" },
      "{}",
    );
    const second = await client.request("GET", "/health");
    client.close();
    expect(first.status).toBe(404);
    expect(first.headers.connection).toBe("keep-alive");
    expect(second.reused).toBe(true);
  });
});

describe("a client that aborts mid-body", () => {
  it("is logged as a closed request, not a server error", async () => {
    const socket = connect(open.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    const logged = nextLogLine("/send-message/wf-abort");
    const received = new Promise((resolve) => open.server.once("request", resolve));
    socket.write(
      "POST /send-message/wf-abort HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "Content-Length: 10000\r\n\r\n" +
        '{"approved":',
    );
    // The server has the request and the start of its body: go away before the rest.
    await received;
    socket.destroy();
    const line = JSON.parse(await logged) as { level: string; status: number };
    expect(line.status).not.toBe(500);
    expect(line.level).not.toBe("error");
  });
});
