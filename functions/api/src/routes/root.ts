import { kindNamed, type FanoutRootOutput } from "@wfc/core";
import { Hono } from "hono";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";

/** Longest `GET /` waits for the root workflow (it only enqueues, so it is quick). */
const ROOT_TIMEOUT_SECONDS = 20;

/** The seed's original endpoint, a GET that starts workflows (so refused cross-site). */
export const ROOT_PATH = "/";

/** The seed's original endpoint: a root workflow fans out five child workflows. */
export function rootRoutes(backend: Backend) {
  return new Hono().get(
    ROOT_PATH,
    doc(
      "seed",
      "The seed's original endpoint: a root workflow enqueues five children",
      { 200: { description: "The children's statuses", schema: S.fanoutResponse } },
      [503],
    ),
    async (c) => {
      // Hono answers HEAD with the GET route: a health checker's or crawler's HEAD must not
      // start six workflows. It gets the answer's headers, and nothing runs.
      if (c.req.method === "HEAD") return c.body(null, 200, { "content-type": "application/json" });
      const workflowId = await backend.start(kindNamed("fanout").workflowName, undefined, []);
      // The request's signal: a client that leaves ends the wait (no reads go on for it).
      const result = await backend.result(workflowId, ROOT_TIMEOUT_SECONDS, c.req.raw.signal);
      return c.json(result as FanoutRootOutput);
    },
  );
}
