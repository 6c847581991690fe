import { zValidator } from "@hono/zod-validator";
import { InvalidInputError } from "@wfc/core";
import type { ValidationTargets } from "hono";
import type { z } from "zod";

/**
 * A zod validator whose failures become `InvalidInputError` (422 with a `detail` naming each
 * bad field), so validation never produces a 500 or a body in another shape.
 */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) =>
  zValidator(target, schema, (result) => {
    if (!result.success) {
      const detail = result.error.issues.map((issue) => issue.message).join("; ");
      throw new InvalidInputError(detail);
    }
  });
