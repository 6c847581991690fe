import { storedInteger, WORKFLOW_KINDS, WORKFLOW_STATUSES } from "@wfc/core";
import { Hono } from "hono";
import { z } from "zod";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import { scoped, validated } from "../tokens/guard.js";
import { validate } from "../validation.js";
import { workflowParam } from "./params.js";

/** Most workflows one page of `GET /workflows` returns. */
export const MAX_PAGE = 100;

const listQuery = z.object({
  status: z
    .enum(WORKFLOW_STATUSES, { error: `status must be one of ${WORKFLOW_STATUSES.join(", ")}` })
    .optional(),
  kind: z
    .enum(WORKFLOW_KINDS, { error: `kind must be one of ${WORKFLOW_KINDS.join(", ")}` })
    .optional(),
  limit: storedInteger("limit", { min: 1, max: MAX_PAGE }).default(20),
  // A SQL OFFSET: a bigint, bounded by what a JS number holds exactly.
  offset: storedInteger("offset", { column: "bigint" }).default(0),
});

/** Workflow management: what the seed pointed to the `dbos` CLI for, over HTTP. */
export function workflowRoutes(backend: Backend) {
  return new Hono()
    .get(
      "/workflows",
      doc(
        "workflows",
        "List workflows, newest first",
        { 200: { description: "A page of workflows", schema: S.workflowList } },
        [422, 503],
      ),
      validate("query", listQuery),
      async (c) => {
        const filter = c.req.valid("query");
        const workflows = await backend.workflows.list(filter);
        const full = workflows.length === filter.limit;
        return c.json({
          workflows,
          limit: filter.limit,
          offset: filter.offset,
          next_offset: full ? filter.offset + filter.limit : null,
        });
      },
    )
    .get(
      "/workflows/:workflow_id",
      doc(
        "workflows",
        "A workflow's status, output or error",
        { 200: { description: "The workflow", schema: S.workflowSummary } },
        [404, 422, 503],
      ),
      validate("param", workflowParam),
      scoped((c) => ({ workflowId: validated(c, "param").workflow_id!, kind: "status" })),
      async (c) => c.json(await backend.workflows.get(c.req.valid("param").workflow_id)),
    )
    .post(
      "/workflows/:workflow_id/cancel",
      doc(
        "workflows",
        "Cancel a workflow that has not finished",
        { 200: { description: "The workflow, cancelled", schema: S.workflowSummary } },
        [404, 409, 422, 503],
      ),
      validate("param", workflowParam),
      async (c) => c.json(await backend.workflows.cancel(c.req.valid("param").workflow_id)),
    )
    .post(
      "/workflows/:workflow_id/resume",
      doc(
        "workflows",
        "Resume a cancelled or failed workflow",
        { 200: { description: "The workflow, back on the queue", schema: S.workflowSummary } },
        [404, 422, 503],
      ),
      validate("param", workflowParam),
      async (c) => c.json(await backend.workflows.resume(c.req.valid("param").workflow_id)),
    );
}
