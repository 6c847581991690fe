import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

// The fault harness itself, on real sockets: an echo server behind the proxy.
let echo: Server;
let echoPort: number;
const upstreamSockets: Socket[] = [];
let proxy: TcpProxy;
const clients: Socket[] = [];
// How long "nothing arrives" is watched for: silence has no event to await.
const QUIET_MS = 300;

beforeAll(async () => {
  echo = createServer((socket) => {
    upstreamSockets.push(socket);
    socket.on("error", () => {});
    socket.pipe(socket);
  });
  echo.listen(0, "127.0.0.1");
  await once(echo, "listening");
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve));
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await proxy?.close();
});

async function open() {
  const socket = connect({ host: "127.0.0.1", port: proxy.port });
  socket.on("error", () => {});
  clients.push(socket);
  await once(socket, "connect");
  return socket;
}

async function roundTrip(socket: Socket, text: string) {
  const reply = once(socket, "data");
  socket.write(text);
  return String((await reply)[0]);
}

/** Everything the socket receives or suffers during QUIET_MS. */
async function observe(socket: Socket) {
  const seen: string[] = [];
  const onData = (chunk: Buffer) => seen.push(`data:${chunk}`);
  const onEnd = () => seen.push("end");
  const onClose = () => seen.push("close");
  socket.on("data", onData).on("end", onEnd).on("close", onClose);
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  socket.off("data", onData).off("end", onEnd).off("close", onClose);
  return seen;
}

describe("tcp proxy", () => {
  it("forwards both ways and counts open connections", async () => {
    proxy = await startTcpProxy("127.0.0.1", echoPort);
    const socket = await open();
    expect(await roundTrip(socket, "hello")).toBe("hello");
    expect(proxy.connections()).toBe(1);
    socket.end();
    await once(socket, "close");
    await expect.poll(() => proxy.connections()).toBe(0);
  });

  it("blackholes open and new connections silently, and forwards new ones after heal", async () => {
    proxy = await startTcpProxy("127.0.0.1", echoPort);
    const before = await open();
    expect(await roundTrip(before, "ping")).toBe("ping");
    const upstreamBefore = upstreamSockets.length;

    proxy.blackhole();
    before.write("lost");
    const during = await open();
    during.write("also lost");
    expect(await observe(before)).toEqual([]);
    expect(await observe(during)).toEqual([]);
    // The new connection never reached the server; the old one is still open there.
    expect(upstreamSockets.length).toBe(upstreamBefore);
    expect(upstreamSockets.at(-1)!.destroyed).toBe(false);
    expect(proxy.connections()).toBe(2);

    proxy.heal();
    const after = await open();
    expect(await roundTrip(after, "back")).toBe("back");
    before.write("still lost");
    expect(await observe(before)).toEqual([]);
  });

  it("resets every connection with RST, on both sides", async () => {
    proxy = await startTcpProxy("127.0.0.1", echoPort);
    const socket = await open();
    expect(await roundTrip(socket, "ping")).toBe("ping");
    const upstream = upstreamSockets.at(-1)!;
    const clientError = once(socket, "error");
    const upstreamError = once(upstream, "error");
    proxy.reset();
    expect((await clientError)[0]).toMatchObject({ code: "ECONNRESET" });
    expect((await upstreamError)[0]).toMatchObject({ code: "ECONNRESET" });
    await expect.poll(() => proxy.connections()).toBe(0);
    // The proxy itself keeps accepting and forwarding.
    expect(await roundTrip(await open(), "again")).toBe("again");
  });
});
