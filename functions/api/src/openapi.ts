import { describeRoute, resolver } from "hono-openapi";
import type { z } from "zod";
import { errorResponse } from "./schemas.js";

type Responses = Record<number, { description: string; schema?: z.ZodType; eventStream?: boolean }>;

const ERRORS: Record<number, string> = {
  400: "Malformed Authorization header",
  401: "Missing or invalid API key (or webhook signature)",
  404: "Not found",
  409: "Conflicts with the workflow: its ID is another kind's, or its kind has no such topic",
  413: "Body larger than 64 KiB",
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
  components: { securitySchemes: { apiKey: { type: "http" as const, scheme: "bearer" } } },
  security: [{ apiKey: [] }],
};
