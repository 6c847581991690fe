import {
  InvalidInputError,
  jsonStartPrefix,
  KINDS,
  NotFoundError,
  type AnyKind,
  type ParamsOf,
} from "@wfc/core";
import { Hono } from "hono";
import { z } from "zod";
import { describeRoute } from "hono-openapi";
import type { Backend } from "../backend.js";
import { limitBody, parseJsonObject } from "../json-body.js";
import { doc } from "../openapi.js";
import { invalidInput, storableParams, validate } from "../validation.js";
import { workflowParam } from "./params.js";

/**
 * `POST /start/<kind>/{workflow_id}` with the kind's parameters as a JSON body, for every
 * startable kind: the only start of a kind whose parameters are lists or objects, and a typed
 * alternative to the path route for the others. Why this path: the workflow ID stays in the path,
 * as in every other route of a workflow, and the body is exactly the declared parameters (no
 * envelope); `/start/` is a first segment of its own, so it cannot collide with the seed's
 * `/start-workflow-<kind>/...` routes nor with `/workflows/{id}/...`, whatever the kind or ID.
 *
 * The body is checked as every body is (64 KiB, storable text, depth), then strictly against the
 * declaration: a field the kind does not declare is a 422, not silently dropped. The workflow,
 * its arguments and its answer are the path route's, so a repeated start with the same
 * parameters (by either route) answers the same 200, and with other parameters a 409.
 */
export function jsonStartRoutes(backend: Backend) {
  const app = new Hono();
  for (const kind of KINDS.filter((k) => k.startable) as AnyKind[]) {
    const body = kind.params.strict();
    const mistyped = jsonTypeCheck(body);
    app.post(
      `${jsonStartPrefix(kind)}/:workflow_id`,
      doc(
        kind.name,
        `${kind.summary} (parameters as a JSON body)`,
        {
          200: {
            description: "Started (or already existing with these parameters)",
            schema: kind.answer!,
          },
        },
        [409, 413, 422, 503],
        { description: "The kind's start parameters", schema: body },
      ),
      limitBody(),
      storableParams(),
      validate("param", workflowParam),
      async (c) => {
        const { workflow_id } = c.req.valid("param");
        const document = parseJsonObject(await c.req.text());
        const problem = mistyped(document);
        if (problem) throw new InvalidInputError(problem);
        const parsed = body.safeParse(document);
        if (!parsed.success) throw invalidInput(parsed.error);
        const params = parsed.data as ParamsOf<typeof kind>;
        await backend.start(kind.workflowName, workflow_id, [...kind.args(params)]);
        return c.json(kind.respond!(workflow_id, params));
      },
    );
  }
  const known = KINDS.filter((k) => k.startable).map((k) => `'${k.name}'`);
  // Any other name under /start/ is a kind that does not exist, said as such (not a bare 404).
  app.post("/start/:kind/:workflow_id", describeRoute({ hide: true }), () => {
    throw new NotFoundError(`No such kind to start (kinds: ${known.join(", ")})`);
  });
  return app;
}

const JSON_TYPES: Record<string, (value: unknown) => boolean> = {
  integer: (value) => typeof value === "number",
  number: (value) => typeof value === "number",
  string: (value) => typeof value === "string",
  boolean: (value) => typeof value === "boolean",
};

/**
 * Each scalar parameter must arrive as the JSON type its declaration documents (the body schema
 * in /openapi.json). A path route's parameters are parsed from text, coercing what they get, so
 * without this `[1]` or `true` would pass as `n_steps` 1, and `"1"` would be a number.
 */
function jsonTypeCheck(schema: z.ZodType) {
  const { properties = {} } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as {
    properties?: Record<string, { type?: unknown }>;
  };
  const typed = Object.entries(properties).flatMap(([name, { type }]) => {
    const check = typeof type === "string" ? JSON_TYPES[type] : undefined;
    return check ? [{ name, type: type as string, check }] : [];
  });
  return (document: Record<string, unknown>) =>
    typed
      .filter(({ name, check }) => name in document && !check(document[name]))
      .map(({ name, type }) => `${name} must be ${type === "integer" ? "an" : "a"} ${type}`)
      .join("; ");
}
