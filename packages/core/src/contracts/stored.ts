import * as z from "zod";

/**
 * What PostgreSQL can store, as the one definition every input that reaches it is checked
 * against (IDs, keys, topics, offsets, message bodies). Without it, PostgreSQL refuses the value
 * mid-request and the client gets a 500, or it stores something other than what was sent.
 */

/** Largest value of a PostgreSQL `int4` column, such as DBOS's `streams.offset`. */
export const INT4_MAX = 2_147_483_647;

/**
 * Largest integer a JS number holds exactly: the bound for values that reach a `bigint` (a SQL
 * `OFFSET`), whose own maximum (2^63 - 1) a number cannot carry.
 */
export const BIGINT_SAFE_MAX = Number.MAX_SAFE_INTEGER;

const COLUMN_MAX = { int4: INT4_MAX, bigint: BIGINT_SAFE_MAX } as const;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `text` cannot be stored, or undefined when it can. PostgreSQL text refuses NUL (`\0`)
 * outright; an unpaired UTF-16 surrogate has no UTF-8 form, so the driver would store U+FFFD
 * instead and a later read would not find what was written (and `jsonb` refuses `\ud800`).
 */
export function unstorableText(text: string): string | undefined {
  if (text.includes("\0")) return "must not contain NUL characters";
  if (LONE_SURROGATE.test(text)) return "must not contain unpaired surrogate characters";
  return undefined;
}

/**
 * A string that can be stored: refused (naming `what`) when it holds NUL or an unpaired
 * surrogate. Chain `.min()` / `.max()` as the column needs.
 */
export const storableText = (what: string) =>
  z.string().check((ctx) => {
    const problem = unstorableText(ctx.value);
    if (problem)
      ctx.issues.push({ code: "custom", message: `${what} ${problem}`, input: ctx.value });
  });

/**
 * Lets only decimal integer text (`5`, `-1`) through to a number schema: coercion alone would
 * read `1e1`, `0x5`, ` 5` or an empty string as numbers, which FastAPI refuses. Non-strings
 * (a typed client's numbers) pass unchanged; the schema's own error message names the field.
 */
export const decimalText = (value: unknown) =>
  typeof value === "string" && !/^[+-]?\d+$/.test(value) ? Number.NaN : value;

/**
 * An integer parsed from decimal text (a path segment, a query value) that fits the column it reaches:
 * `int4` by default, `bigint` for what reaches a SQL `OFFSET`. Bounds default to 0 and the
 * column's maximum; each failure names `what`.
 * @throws Error when `max` exceeds the column's maximum (a bound PostgreSQL would enforce as a 500).
 */
export function storedInteger(
  what: string,
  {
    min = 0,
    max,
    column = "int4",
  }: { min?: number; max?: number; column?: keyof typeof COLUMN_MAX } = {},
) {
  const columnMax = COLUMN_MAX[column];
  if (max !== undefined && max > columnMax) {
    throw new Error(`${what}: a maximum of ${max} does not fit an ${column} column`);
  }
  const upper = max ?? columnMax;
  return z.preprocess(
    decimalText,
    z.coerce
      .number({ error: `${what} must be an integer` })
      .int(`${what} must be an integer`)
      .min(min, `${what} must be at least ${min}`)
      .max(upper, `${what} must be at most ${upper}`),
  );
}
