import type { Context } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import { notFound } from "./errors.js";

/** A route as Hono lists it (`app.routes`): middleware appears with the method `ALL`. */
interface Route {
  method: string;
  path: string;
}

/**
 * The unknown-route answer, FastAPI's way: a path that exists under other methods gets 405
 * with `Allow` naming them (GET implies HEAD, as Hono answers HEAD with the GET route); a path
 * that exists under none gets 404. Derived from the app's own routes, read at the first miss
 * (when every route is mounted).
 */
export function methodNotAllowed(routes: () => Route[]) {
  let router: TrieRouter<string> | undefined;
  let methods: string[] = [];
  const build = () => {
    const own = routes().filter((route) => route.method !== "ALL");
    const built = new TrieRouter<string>();
    for (const route of own) built.add(route.method, route.path, route.method);
    methods = [...new Set(own.map((route) => route.method))];
    return built;
  };
  return (c: Context) => {
    router ??= build();
    const allowed = new Set<string>();
    for (const method of methods) {
      if (router.match(method, c.req.path)[0].length === 0) continue;
      allowed.add(method);
      if (method === "GET") allowed.add("HEAD");
    }
    if (allowed.size === 0) return notFound(c);
    c.header("Allow", [...allowed].join(", "));
    return c.json({ detail: "Method Not Allowed" }, 405);
  };
}
