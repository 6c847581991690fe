import { INT4_MAX, InvalidInputError, NotFoundError, storedInteger } from "@wfc/core";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import { liveFeed, redirectToLive, wantsEventStream, type LiveOptions } from "../sse.js";
import { scoped, validated } from "../tokens/guard.js";
import { validate } from "../validation.js";
import { checkStream } from "../channels.js";
import { streamKeyQuery, workflowParam } from "./params.js";

const streamQuery = streamKeyQuery.extend({ offset: storedInteger("offset").optional() });

/**
 * `Last-Event-ID` is the id of the last value the client got, its offset (empty: none, as the
 * SSE spec allows). Resuming reads the offset after it, which must fit the column too.
 */
const lastEventIdSchema = z
  .string()
  .trim()
  .regex(/^\d*$/, "Last-Event-ID must be the id of a stream value (its offset)")
  .refine(
    (id) => !/^\d+$/.test(id) || Number(id) < INT4_MAX,
    `Last-Event-ID must be at most ${INT4_MAX - 1} (a stream's offsets are int4)`,
  );

/**
 * Where a live read starts: after `Last-Event-ID` when given, else at `offset`.
 * @throws InvalidInputError (422) for a Last-Event-ID that is not an offset a stream can have.
 */
function resumeOffset(c: Context, offset: number | undefined): number {
  const header = c.req.header("last-event-id");
  if (header === undefined) return offset ?? 0;
  const parsed = lastEventIdSchema.safeParse(header);
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues[0]!.message);
  return parsed.data === "" ? (offset ?? 0) : Number(parsed.data) + 1;
}

/**
 * Live stream as server-sent events: each value is an event whose `id` is its offset; the
 * response ends with an `end` event when the stream closes or the workflow finishes, or with a
 * `reconnect` event when the feed's time is up (the client resumes after the last id).
 */
async function live(
  c: Context,
  backend: Backend,
  options: LiveOptions,
  workflowId: string,
  streamKey: string,
  fromOffset: number,
) {
  if ((await checkStream(backend, workflowId, streamKey)) === undefined)
    throw new NotFoundError("Workflow not found");
  return liveFeed(c, options, {
    admit: () => backend.admitFeed(workflowId),
    async *batches(signal) {
      for await (const batch of backend.followStream(workflowId, streamKey, fromOffset, signal)) {
        yield {
          events: batch.values.map(({ offset, value }) => ({
            id: String(offset),
            event: "value",
            data: JSON.stringify(value),
          })),
          ...(batch.end && { end: { event: "end", data: JSON.stringify({ reason: batch.end }) } }),
        };
      }
    },
  });
}

/** A token reaches the streams its scope lists, snapshot and live. */
const streamScope = scoped((c) => ({
  workflowId: validated(c, "param").workflow_id!,
  kind: "stream",
  name: validated(c, "query").key!,
}));

/** Streams: ordered values, read as a snapshot or followed live; `?key=` picks the stream. */
export function streamingRoutes(backend: Backend, options: LiveOptions) {
  return new Hono()
    .get(
      "/workflow-stream/:workflow_id/live",
      doc(
        "streaming",
        "Follow a stream live (server-sent events, `id` = offset, resume with Last-Event-ID)",
        {
          200: {
            description:
              "`value` events, then `end`; or `reconnect` when the feed's time is up (resume with Last-Event-ID)",
            eventStream: true,
          },
        },
        [404, 422, 503],
      ),
      validate("param", workflowParam),
      validate("query", streamQuery),
      streamScope,
      (c) => {
        const { key, offset } = c.req.valid("query");
        return live(
          c,
          backend,
          options,
          c.req.valid("param").workflow_id,
          key,
          resumeOffset(c, offset),
        );
      },
    )
    .get(
      "/workflow-stream/:workflow_id",
      doc(
        "streaming",
        "The stream now, without waiting (from `offset` if given); live with Accept: text/event-stream",
        { 200: { description: "Values so far", schema: S.streamSnapshotResponse } },
        [404, 422, 503],
      ),
      validate("param", workflowParam),
      validate("query", streamQuery),
      streamScope,
      async (c) => {
        const { workflow_id } = c.req.valid("param");
        const { key, offset } = c.req.valid("query");
        if (wantsEventStream(c)) {
          return (
            redirectToLive(c, options) ??
            live(c, backend, options, workflow_id, key, resumeOffset(c, offset))
          );
        }
        await checkStream(backend, workflow_id, key);
        const snapshot = await backend.streamSnapshot(workflow_id, key, offset ?? 0);
        const seed = {
          workflow_id,
          stream_values: snapshot.values,
          total_messages: snapshot.values.length,
        };
        // Without `offset`, exactly the seed's answer; with it, where to continue and whether to.
        if (offset === undefined) return c.json(seed);
        return c.json({
          ...seed,
          offset,
          next_offset: offset + snapshot.values.length,
          closed: snapshot.closed,
        });
      },
    );
}
