import { InvalidInputError, unstorableText } from "@wfc/core";
import type { ValidationTargets } from "hono";
import { createMiddleware } from "hono/factory";
import { validator } from "hono-openapi";
import type { z } from "zod";

/**
 * One issue as the client reads it: our schemas' messages name their field ("n_steps must be
 * at most 20"); a declaration's own schema may use zod's defaults, which do not, so the field
 * is put first.
 */
function describe(issue: { message: string; path?: readonly unknown[] }) {
  const field = issue.path
    ?.map((segment) =>
      typeof segment === "object" && segment !== null && "key" in segment
        ? String(segment.key)
        : String(segment),
    )
    .join(".");
  return field && !issue.message.includes(field) ? `${field}: ${issue.message}` : issue.message;
}

/** The 422 of a failed parse: `detail` names each bad field. */
export const invalidInput = (error: z.ZodError) =>
  new InvalidInputError(error.issues.map(describe).join("; "));

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
      const detail = result.error.map(describe).join("; ");
      throw new InvalidInputError(detail);
    }
  });

/**
 * Refuses (422, naming the parameter) any path parameter that cannot be stored (see
 * `unstorableText`), whatever schema validates it next: a kind declares its own start
 * parameters, and a plain `z.string()` among them would pass a NUL through to PostgreSQL.
 */
export const storableParams = () =>
  createMiddleware(async (c, next) => {
    const problems = Object.entries(c.req.param() as Record<string, string>).flatMap(
      ([name, value]) => {
        const problem = unstorableText(value);
        return problem ? [`${name} ${problem}`] : [];
      },
    );
    if (problems.length) throw new InvalidInputError(problems.join("; "));
    await next();
  });
