import { serve, type Http2Bindings, type HttpBindings } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Hono } from "hono";
import { declaresBody } from "./middleware/json-content.js";

type Bindings = HttpBindings | Http2Bindings;

/**
 * An answer given before the request's body was read (413 on its length, 401, 415) leaves the
 * rest of the body on the socket; the Node server would discard it for a moment and then drop
 * the connection, and a keep-alive client's next request on it would fail ("other side
 * closed"). `Connection: close` says so first, so the client opens a fresh connection instead.
 */
function closeIfBodyUnread(request: Request, incoming: Bindings["incoming"], response: Response) {
  if (!incoming.readableEnded && declaresBody(request.headers))
    response.headers.set("connection", "close");
  return response;
}

/**
 * Serves `app` with `@hono/node-server` on `hostname:port` (port 0: a free one), as `npm start`
 * and the tests do. @returns the server, once it listens, and its address.
 */
export async function serveNode(app: Hono, port: number, hostname: string) {
  let server: ReturnType<typeof serve> | undefined;
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve(
      {
        fetch: async (request: Request, env: Bindings) =>
          closeIfBodyUnread(request, env.incoming, await app.fetch(request, env)),
        port,
        hostname,
      },
      resolve,
    );
    server.once("error", reject);
  });
  return { server: server!, address };
}
