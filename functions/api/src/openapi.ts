import type { Context, Hono } from "hono";
import { describeRoute, generateSpecs, resolver } from "hono-openapi";
import type { z } from "zod";
import { isOpenPath } from "./middleware/auth.js";
import { isTokenGuard } from "./tokens/guard.js";
import { errorResponse } from "./schemas.js";

type Responses = Record<number, { description: string; schema?: z.ZodType; eventStream?: boolean }>;

const ERRORS: Record<number, string> = {
  401: "Missing, malformed or invalid API key or token (or webhook signature)",
  403: "A capability token where it does not reach: another workflow, an event key, stream or topic its scope does not list, or a route only an API key reaches",
  404: "Not found",
  409: "Conflicts with the workflow: its ID is another kind's or was started with other parameters, its kind has no such topic, it has already finished, its version's workers have retired, or (a message) its wait for messages on the topic has timed out",
  410: "An approval link that was used, has expired or was withdrawn",
  413: "Body larger than 64 KiB",
  415: "A body that is not `Content-Type: application/json`",
  422: "Invalid input; `detail` names each bad field",
  503: "Database unavailable or not initialised; retry after `Retry-After` seconds",
};

/**
 * Documents a route: its summary and responses, each with the zod schema the contract test
 * checks real answers against. Errors (`{"detail": ...}`) are listed by status code.
 */
export function doc(
  tag: string,
  summary: string,
  responses: Responses,
  errors: number[] = [],
  body?: { description: string; schema: z.ZodType },
) {
  const content = (r: Responses[number]) =>
    r.eventStream
      ? { "text/event-stream": { schema: { type: "string" as const } } }
      : r.schema
        ? { "application/json": { schema: resolver(r.schema) } }
        : undefined;
  type DocResponses = NonNullable<Parameters<typeof describeRoute>[0]["responses"]>;
  return describeRoute({
    tags: [tag],
    summary,
    ...(body && {
      requestBody: {
        description: body.description,
        required: true,
        content: { "application/json": { schema: resolver(body.schema) } },
      },
    }),
    responses: <DocResponses>{
      ...Object.fromEntries(
        Object.entries(responses).map(([status, r]) => [
          status,
          { description: r.description, content: content(r) },
        ]),
      ),
      ...Object.fromEntries(
        errors.map((status) => [
          status,
          {
            description: ERRORS[status]!,
            content: { "application/json": { schema: resolver(errorResponse) } },
          },
        ]),
      ),
    },
  });
}

/** The document's header: title, version, and the bearer scheme API keys use. */
export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Workflow communication API",
    version: "1",
    description:
      'Start durable workflows and talk to them while they run: events, messages, streams. Errors are {"detail": ...}.',
  },
  components: {
    securitySchemes: {
      apiKey: { type: "http" as const, scheme: "bearer" },
      token: {
        type: "http" as const,
        scheme: "bearer",
        bearerFormat: "JWT",
        description:
          "A capability token (POST /tokens) for one workflow; as ?access_token= where no header can be set (EventSource)",
      },
    },
  },
};

const MUTATING = new Set(["post", "put", "patch", "delete"]);
type Operation = { security?: unknown; responses?: Record<string, unknown> };
const errorAnswer = (status: number) => ({
  description: ERRORS[status]!,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/**
 * `/openapi.json`, generated from the routes' own validators and response schemas, then given
 * what middleware adds to every route: whether it needs a key (from the auth module's own list
 * of open paths), its 401 and a token's 403 when it does, whether a token reaches it too (its
 * route has a token guard), and the 415 of a mutating call with a non-JSON body.
 * Validation failures are our 422 (documented per route), not the library's default 400.
 */
export function openApiDocument(app: Hono) {
  let document: Awaited<ReturnType<typeof generateSpecs>> | undefined;
  return async (c: Context) => {
    if (!document) {
      document = await generateSpecs(
        app,
        { documentation: OPENAPI_INFO, defaultValidationErrorResponse: false },
        c,
      );
      const byToken = new Set(
        app.routes
          .filter((route) => isTokenGuard(route.handler))
          .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`),
      );
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
          const responses = (operation.responses ??= {});
          if (isOpenPath(path)) operation.security = [];
          else {
            operation.security = byToken.has(`${method} ${path}`)
              ? [{ apiKey: [] }, { token: [] }]
              : [{ apiKey: [] }];
            responses[401] ??= errorAnswer(401);
            responses[403] ??= errorAnswer(403);
          }
          if (MUTATING.has(method)) responses[415] ??= errorAnswer(415);
        }
      }
    }
    return c.json(document);
  };
}
