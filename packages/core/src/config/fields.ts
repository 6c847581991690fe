import { parseKeyRing } from "@wfc/tokens";
import { z } from "zod";

// The kinds of value settings take, each with its validation message, shared by the processes'
// schemas (api.ts, worker.ts, shared.ts).

export const postgresUrl = z
  .string({ error: "is required (a postgres:// connection string)" })
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), "must be a postgres:// connection string");

export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);
export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);
export const optionalPositiveInt = () => z.coerce.number().int().positive().optional();
export const intAtLeast = (least: number, fallback: number) =>
  z.coerce.number().int().min(least).default(fallback);

/** A name or label: not empty, at most `most` characters. */
export const text = (most: number) => z.string().min(1).max(most);

/** A listening address; loopback by default, so nothing is reachable from the network unless asked. */
export const listenHost = () => z.string().min(1).default("127.0.0.1");

/** A switch written `true`/`false`, parsed to a boolean. */
export const trueFalse = (fallback: "true" | "false") =>
  z
    .enum(["true", "false"], { error: "must be true or false" })
    .default(fallback)
    .transform((v) => v === "true");
export const onOff = () => z.enum(["on", "off"]).default("on");

/**
 * A PostgreSQL role name we can put into SQL unquoted-safe: lower case, starting with a letter,
 * at most 63 bytes (the server's identifier limit), and not reserved for system roles (`pg_`).
 */
export const roleName = (fallback: string) =>
  z
    .string()
    .regex(
      /^[a-z][a-z0-9_]{0,62}$/,
      "must be a lower-case identifier (a-z, 0-9, _; 1-63 characters)",
    )
    .refine((v) => !v.startsWith("pg_"), "must not start with pg_ (reserved for system roles)")
    .default(fallback);

/** Fewest bytes a webhook secret decodes to: 192 bits, the size of the secrets Svix issues. */
const WEBHOOK_SECRET_MIN_BYTES = 24;
const PADDED_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A Standard Webhooks secret: `whsec_` and the padded base64 of at least 24 bytes (the prefix may
 * be left out, as the spec's libraries allow). The libraries decode leniently (`whsec_AAAAAAAAAA`
 * is a 7-byte zero key) or throw at start-up; a placeholder of one repeated byte is no secret.
 * The message never repeats the value.
 */
export const webhookSecret = z.string().refine((value) => {
  const encoded = value.replace(/^whsec_/, "");
  if (!PADDED_BASE64.test(encoded)) return false;
  const key = Buffer.from(encoded, "base64");
  return key.length >= WEBHOOK_SECRET_MIN_BYTES && key.some((byte) => byte !== key[0]);
}, `must be whsec_ followed by the base64 of at least ${WEBHOOK_SECRET_MIN_BYTES} random bytes, such as the output of: echo "whsec_$(openssl rand -base64 32)"`);

/** An SSM parameter name as SSM takes it: a path of at most 1011 characters (SSM's limit). */
export const ssmParameterPath = z
  .string()
  .max(1011)
  .regex(/^\/[A-Za-z0-9_.\-/]+$/, "must be an SSM parameter path such as /app/stage/name");

/** A comma-separated list (blanks ignored), each item checked by `item`. */
export const commaList = (item: z.ZodString) =>
  z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/** A secret of at least `least` characters. No default, as for any secret. */
export const secret = (least: number) =>
  z.string().min(least, `must be at least ${least} characters`).optional();

/** The secret between the API and the change relay, the same value on both sides. */
export const relaySecret = secret(32);

/**
 * The capability tokens' key ring (`kid:secret,...`, oldest first), parsed; unset or blank is
 * none (tokens off). A secret: no default. The message is `parseKeyRing`'s, which never repeats
 * a secret.
 */
export const tokenKeyRing = () =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === "") return undefined;
      try {
        return parseKeyRing(text);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    });

/** What is wrong with `text` as a base URL (see `baseUrl`), or undefined when nothing is. */
function baseUrlProblem(text: string): string | undefined {
  if (!URL.canParse(text)) return "must be an absolute URL such as https://api.example.com";
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return "must be an http:// or https:// URL";
  if (text.includes("?") || text.includes("#"))
    return "must be a base URL, without a query or fragment";
  if (url.username || url.password) return "must not hold credentials";
  return undefined;
}

/**
 * A base URL that paths are joined to: absolute http(s), with at most a base path (no query,
 * fragment or credentials), such as `https://abc.execute-api.eu-west-1.amazonaws.com/production/`
 * or `http://localhost:8000`. Kept without a trailing slash, so `${url}/links/x` has exactly one
 * slash between the two. Unset or blank is undefined.
 */
export const baseUrl = () =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === "") return undefined;
      const problem = baseUrlProblem(text.trim());
      if (problem) {
        ctx.addIssue({ code: "custom", message: problem });
        return z.NEVER;
      }
      const url = new URL(text.trim());
      return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    });
