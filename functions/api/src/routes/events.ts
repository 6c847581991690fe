import { NotFoundError, WAITING_FOR_EVENT } from "@wfc/core";
import { Hono, type Context } from "hono";
import type { SSEMessage } from "hono/streaming";
import { z } from "zod";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";
import { liveFeed, redirectToLive, wantsEventStream, type LiveOptions } from "../sse.js";
import { scoped, validated, visibleEvents } from "../tokens/guard.js";
import { validate } from "../validation.js";
import { channelName, MAX_EVENT_TIMEOUT_SECONDS, workflowParam } from "./params.js";

const eventParams = workflowParam.extend({ event_key: channelName("event_key") });
/** Seconds, fractions allowed; an empty `?timeout=` is no number (FastAPI: 422), not 0. */
const seconds = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? Number.NaN : value;
const timeoutQuery = z.object({
  timeout: z
    .preprocess(
      seconds,
      z.coerce
        .number({ error: "timeout must be a number of seconds" })
        .min(0, "timeout must be at least 0")
        .max(MAX_EVENT_TIMEOUT_SECONDS, `timeout must be at most ${MAX_EVENT_TIMEOUT_SECONDS}`),
    )
    .default(5),
});

/**
 * Live events as server-sent events (a progress bar's feed): one `change` event per changed key,
 * `{"key","value"}`, the current values first; an `end` event once the workflow has finished, or
 * a `reconnect` event when the feed's time is up (a new connection starts with current values).
 * A `waiting_for` event (no `id`: the `change` events' numbering is untouched) whenever what the
 * workflow waits for changes, after that batch's changes: first on connecting, only if it waits;
 * then the new wait, or null once the message arrived, the wait timed out or the workflow ended.
 */
async function liveEvents(c: Context, backend: Backend, options: LiveOptions, workflowId: string) {
  if ((await backend.status(workflowId)) === undefined)
    throw new NotFoundError("Workflow not found");
  return liveFeed(c, options, {
    admit: () => backend.admitFeed(workflowId),
    async *batches(signal) {
      let id = 0;
      // A client starts knowing of no wait: a first null is not sent.
      let waitingSent = "null";
      for await (const batch of backend.followEvents(workflowId, signal)) {
        // A token sees its scope's keys only; what the workflow waits for is its status's, which
        // every token of it reads.
        const changed = visibleEvents(c, batch.changed);
        const events: SSEMessage[] = Object.entries(changed).map(([key, value]) => ({
          id: String(id++),
          event: "change",
          data: JSON.stringify({ key, value }),
        }));
        const waiting =
          batch.waitingFor === undefined ? waitingSent : JSON.stringify(batch.waitingFor);
        if (waiting !== waitingSent) {
          waitingSent = waiting;
          events.push({ event: WAITING_FOR_EVENT, data: waiting });
        }
        yield {
          events,
          ...(batch.end && {
            end: { event: "end", data: JSON.stringify({ reason: "workflow_finished" }) },
          }),
        };
      }
    },
  });
}

/** A token reaches every event route of its workflow; it sees the keys of its scope only. */
const allEvents = scoped((c) => ({
  workflowId: validated(c, "param").workflow_id!,
  kind: "events",
}));

/** Events: the latest value per key, waited for or followed live. */
export function eventsRoutes(backend: Backend, options: LiveOptions) {
  return new Hono()
    .get(
      "/workflow-events/:workflow_id/all",
      doc(
        "events",
        "All events of a workflow; with Accept: text/event-stream, a live feed of changes",
        {
          200: {
            description:
              "The latest value of every event (JSON), or `change` and `waiting_for` events then `end` or `reconnect` (SSE)",
            schema: S.allEventsResponse,
          },
        },
        [404, 422, 503],
      ),
      validate("param", workflowParam),
      allEvents,
      async (c) => {
        const { workflow_id } = c.req.valid("param");
        if (wantsEventStream(c)) {
          return redirectToLive(c, options) ?? liveEvents(c, backend, options, workflow_id);
        }
        const events = visibleEvents(c, await backend.allEvents(workflow_id));
        return c.json({ workflow_id, events });
      },
    )
    .get(
      "/workflow-events/:workflow_id/all/live",
      doc(
        "events",
        "A live feed of a workflow's event changes (server-sent events)",
        {
          200: {
            description: "`change` and `waiting_for` events, then `end` or `reconnect`",
            eventStream: true,
          },
        },
        [404, 422, 503],
      ),
      validate("param", workflowParam),
      allEvents,
      (c) => liveEvents(c, backend, options, c.req.valid("param").workflow_id),
    )
    .get(
      "/workflow-events/:workflow_id/:event_key",
      doc(
        "events",
        "Wait up to `timeout` seconds for an event",
        {
          200: { description: "The event's value", schema: S.eventResponse },
          404: { description: "Not set before the timeout", schema: S.errorResponse },
        },
        [422, 503],
      ),
      validate("param", eventParams),
      validate("query", timeoutQuery),
      scoped((c) => {
        const { workflow_id, event_key } = validated(c, "param");
        return { workflowId: workflow_id!, kind: "event", name: event_key! };
      }),
      async (c) => {
        const { workflow_id, event_key } = c.req.valid("param");
        const timeout = c.req.valid("query").timeout;
        const value = await backend.getEvent(workflow_id, event_key, timeout, c.req.raw.signal);
        if (value === null || value === undefined) {
          return c.json({ detail: `Event '${event_key}' not found or timeout reached` }, 404);
        }
        return c.json({ workflow_id, event_key, value });
      },
    );
}
