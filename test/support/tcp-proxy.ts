import { connect, createServer, type Socket } from "node:net";
import { once } from "node:events";

/** A TCP forwarder in front of one upstream address that can fail the way networks fail. */
export interface TcpProxy {
  port: number;
  /** Connection string `url` rewritten to go through the proxy (same credentials and path). */
  via(url: string): string;
  /**
   * Stops forwarding, silently: bytes on open connections are read and dropped in both
   * directions, no FIN or RST is sent (a NAT that forgot the flow, a frozen peer's dead path).
   * New connections are accepted but get nothing either, even after `heal()`.
   */
  blackhole(): void;
  /** Resets every open connection with RST, both to the client and to the upstream. */
  reset(): void;
  /** Connections accepted from now on forward again; blackholed ones stay dead. */
  heal(): void;
  /** Client connections open now (forwarding or blackholed). */
  connections(): number;
  close(): Promise<void>;
}

interface Flow {
  client: Socket;
  upstream: Socket | undefined;
  silenced: boolean;
}

const drop = () => {};

/**
 * From now on the flow's bytes are read and discarded, and neither side is written to or closed:
 * a dead path. Both sockets are half-open capable, so a peer's FIN is not answered with ours.
 */
function silence(flow: Flow) {
  flow.silenced = true;
  flow.client.unpipe();
  flow.upstream?.unpipe();
  for (const socket of [flow.client, flow.upstream]) {
    socket?.on("data", drop);
    socket?.resume();
  }
}

/** Starts a proxy on a free loopback port forwarding to `host:port`. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const flows = new Set<Flow>();
  let blackholed = false;

  const forward = (flow: Flow) => {
    const { client } = flow;
    const upstream = connect({ host, port, allowHalfOpen: true });
    flow.upstream = upstream;
    client.pause();
    upstream.once("connect", () => {
      if (flow.silenced || upstream.destroyed) return;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => {
      if (!flow.silenced) client.destroy();
      if (client.destroyed) flows.delete(flow);
    });
  };

  const server = createServer({ allowHalfOpen: true }, (client) => {
    const flow: Flow = { client, upstream: undefined, silenced: false };
    flows.add(flow);
    client.on("error", () => flow.upstream?.destroy());
    // A silenced flow's upstream outlives its client (the server never hears of it): keep the
    // flow until both sockets are gone, so `close()` can still end it.
    client.on("close", () => {
      if (!flow.silenced) flow.upstream?.destroy();
      if (!flow.upstream || flow.upstream.destroyed) flows.delete(flow);
    });
    if (blackholed) silence(flow);
    else forward(flow);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");

  return {
    port: address.port,
    via(url) {
      const target = new URL(url);
      target.hostname = "127.0.0.1";
      target.port = String(address.port);
      return target.toString();
    },
    blackhole() {
      blackholed = true;
      for (const flow of flows) silence(flow);
    },
    reset() {
      for (const flow of flows) {
        if (flow.upstream && !flow.upstream.destroyed) flow.upstream.resetAndDestroy();
        if (!flow.client.destroyed) flow.client.resetAndDestroy();
      }
    },
    heal() {
      blackholed = false;
    },
    connections: () => [...flows].filter((flow) => !flow.client.destroyed).length,
    async close() {
      for (const flow of flows) {
        flow.upstream?.destroy();
        flow.client.destroy();
      }
      flows.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
