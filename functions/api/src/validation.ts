import { InvalidInputError } from "@wfc/core";
import type { ValidationTargets } from "hono";
import { validator } from "hono-openapi";
import type { z } from "zod";

/**
 * A zod validator whose failures become `InvalidInputError` (422 with a `detail` naming each
 * bad field), so validation never produces a 500 or a body in another shape. The same schema
 * documents the parameter in `/openapi.json`: one source of truth.
 */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) =>
  validator(target, schema, (result) => {
    if (!result.success) {
      const detail = result.error.map((issue) => issue.message).join("; ");
      throw new InvalidInputError(detail);
    }
  });
