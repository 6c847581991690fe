import {
  INT4_MAX,
  InvalidInputError,
  MAX_STREAM_TAIL,
  NotFoundError,
  storedInteger,
} from "@wfc/core";
import type { StreamBatch } from "@wfc/realtime";
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

/** `?offset=` reads from that offset on, `?tail=N` the last N values: one or the other. */
const streamQuery = streamKeyQuery
  .extend({
    offset: storedInteger("offset").optional(),
    tail: storedInteger("tail", { min: 1, max: MAX_STREAM_TAIL })
      .optional()
      .describe("Start at the stream's last N values (not with offset; Last-Event-ID wins)"),
  })
  .refine((q) => q.offset === undefined || q.tail === undefined, {
    message: "offset and tail cannot be combined: give one",
  });

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

/** Where a live read starts: at an offset, or at the stream's last `tail` values. */
type LiveStart = { offset: number } | { tail: number };

/**
 * Where a live read starts: after `Last-Event-ID` when given, else at the last `tail` values or
 * at `offset`. The header wins: an EventSource opened with `?tail=` reconnects to the same URL
 * with it, and must go on after what it got rather than jump to the tail again.
 * @throws InvalidInputError (422) for a Last-Event-ID that is not an offset a stream can have.
 */
function liveStart(c: Context, { offset, tail }: { offset?: number; tail?: number }): LiveStart {
  const header = c.req.header("last-event-id");
  const parsed = lastEventIdSchema.safeParse(header ?? "");
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues[0]!.message);
  if (parsed.data !== "") return { offset: Number(parsed.data) + 1 };
  return tail === undefined ? { offset: offset ?? 0 } : { tail };
}

/** A batch of stream values as server-sent events: `id` is each value's offset. */
const toEvents = (batch: StreamBatch) => ({
  events: batch.values.map(({ offset, value }) => ({
    id: String(offset),
    event: "value",
    data: JSON.stringify(value),
  })),
  ...(batch.end && { end: { event: "end", data: JSON.stringify({ reason: batch.end }) } }),
});

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
  start: LiveStart,
) {
  if ((await checkStream(backend, workflowId, streamKey)) === undefined)
    throw new NotFoundError("Workflow not found");
  return liveFeed(c, options, {
    admit: () => backend.admitFeed(workflowId),
    async *batches(signal) {
      let fromOffset: number;
      if ("tail" in start) {
        // The tail is the feed's first batch; following goes on after it, so no value is lost
        // or repeated between the two reads.
        const tail = await backend.streamTail(workflowId, streamKey, start.tail);
        const values = tail.values.map((value, i) => ({ offset: tail.offset + i, value }));
        yield toEvents(tail.closed ? { values, end: "closed" } : { values });
        if (tail.closed) return;
        fromOffset = tail.offset + values.length;
      } else fromOffset = start.offset;
      for await (const batch of backend.followStream(workflowId, streamKey, fromOffset, signal))
        yield toEvents(batch);
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
        "Follow a stream live (server-sent events, `id` = offset, resume with Last-Event-ID, which wins over `offset` and `tail`)",
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
        const query = c.req.valid("query");
        const { workflow_id } = c.req.valid("param");
        return live(c, backend, options, workflow_id, query.key, liveStart(c, query));
      },
    )
    .get(
      "/workflow-stream/:workflow_id",
      doc(
        "streaming",
        "The stream now, without waiting (from `offset`, or its last `tail` values, if given); live with Accept: text/event-stream",
        { 200: { description: "Values so far", schema: S.streamSnapshotResponse } },
        [404, 422, 503],
      ),
      validate("param", workflowParam),
      validate("query", streamQuery),
      streamScope,
      async (c) => {
        const { workflow_id } = c.req.valid("param");
        const query = c.req.valid("query");
        const { key, offset, tail } = query;
        if (wantsEventStream(c)) {
          return (
            redirectToLive(c, options) ??
            live(c, backend, options, workflow_id, key, liveStart(c, query))
          );
        }
        await checkStream(backend, workflow_id, key);
        const snapshot =
          tail === undefined
            ? await backend.streamSnapshot(workflow_id, key, offset ?? 0)
            : await backend.streamTail(workflow_id, key, tail);
        const seed = {
          workflow_id,
          stream_values: snapshot.values,
          total_messages: snapshot.values.length,
        };
        // Without `offset` or `tail`, exactly the seed's answer; with one, where the values
        // begin (the first one's offset), where to continue, and whether to.
        if (offset === undefined && tail === undefined) return c.json(seed);
        return c.json({
          ...seed,
          offset: snapshot.offset,
          next_offset: snapshot.offset + snapshot.values.length,
          closed: snapshot.closed,
        });
      },
    );
}
