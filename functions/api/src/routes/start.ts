import {
  KINDS,
  startPrefix,
  startSegments,
  workflowIdSchema,
  type AnyKind,
  type ParamsOf,
} from "@wfc/core";
import { Hono } from "hono";
import { z } from "zod";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import { storableParams, validate } from "../validation.js";

/** The Hono path of a kind's start route: `/start-workflow-<kind>/:workflow_id/:<param>...`. */
export const startRoutePath = (kind: AnyKind) =>
  [startPrefix(kind), ...startSegments(kind).map((name) => `:${name}`)].join("/");

/**
 * One start route per startable kind with a path route (its parameters are scalars; a kind with
 * lists or objects is started by `start-json.ts` only), derived from its declaration: path parameters validated
 * by its `params` (422 naming each bad one; text that cannot be stored is refused first, whatever
 * the kind's schema), enqueued with its `args`, answered with its `respond`, documented with its
 * `answer` schema. Starting an existing ID with the same parameters returns it (never a rerun);
 * an ID used by another kind, or with other parameters (which would never run), is a 409.
 */
export function startRoutes(backend: Backend) {
  const app = new Hono();
  for (const kind of KINDS.filter((k) => k.startable && k.pathRoute) as AnyKind[]) {
    const params = z.object({ workflow_id: workflowIdSchema, ...kind.params.shape });
    app.post(
      startRoutePath(kind),
      doc(
        kind.name,
        kind.summary,
        {
          200: {
            description: "Started (or already existing with these parameters)",
            schema: kind.answer!,
          },
        },
        [409, 422, 503],
      ),
      storableParams(),
      validate("param", params),
      async (c) => {
        const { workflow_id, ...values } = c.req.valid("param") as { workflow_id: string };
        const parsed = values as ParamsOf<typeof kind>;
        await backend.start(kind.workflowName, workflow_id, [...kind.args(parsed)]);
        return c.json(kind.respond!(workflow_id, parsed));
      },
    );
  }
  return app;
}
