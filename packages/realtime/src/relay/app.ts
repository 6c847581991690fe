import {
  isDatabaseUnavailable,
  MAX_EVENT_TIMEOUT_SECONDS,
  TooManyRequestsError,
  workflowIdSchema,
} from "@wfc/core";
import { Hono, type Context } from "hono";
import { stream } from "hono/streaming";
import type { StreamingApi } from "hono/utils/stream";
import { validator } from "hono/validator";
import { z } from "zod";
import type { LiveFeedLimits } from "../live-feed-limits.js";
import type { Waits } from "../waits.js";
import type { Refusal } from "./access.js";
import {
  encodeRelayMessage,
  RELAY_CONTENT_TYPE,
  RELAY_HEARTBEAT_MS,
  RELAY_PATHS,
  type RelayMessage,
} from "./protocol.js";

export type RelayLog = (line: Record<string, unknown>) => void;

export interface RelayAppOptions {
  waits: Waits;
  /** Why a request may not use the relay (`relayAccess`), or undefined when it may. */
  refusal: (headers: { host?: string; authorization?: string }) => Refusal | undefined;
  /** The most answers held open at once; more are refused 503. */
  maxAnswers: number;
  /** How long a live feed is followed at most. */
  feedMaxMs: number;
  /** Live feeds of one workflow at once (`admit`); more are refused 429. */
  feedLimits: Pick<LiveFeedLimits, "admit">;
  log: RelayLog;
}

export interface RelayApp {
  app: Hono;
  /** Answers open now. */
  open(): number;
  /** Ends every open answer without another line: its caller falls back or reconnects. */
  endAll(): void;
}

const key = z.string().min(1).max(1_000);
const count = z.coerce.number().int().min(0).max(2_147_483_647);
/** The API's longest wait: a relay answer held longer serves no request. */
const timeoutMs = z.coerce
  .number()
  .int()
  .min(0)
  .max(
    MAX_EVENT_TIMEOUT_SECONDS * 1000,
    `timeout_ms must be at most ${MAX_EVENT_TIMEOUT_SECONDS * 1000}`,
  );
const QUERIES = {
  event: z.object({ workflow_id: workflowIdSchema, key, timeout_ms: timeoutMs }),
  stream: z.object({ workflow_id: workflowIdSchema, key, offset: count }),
  events: z.object({ workflow_id: workflowIdSchema }),
};

/** A failure's words for the log: its SQLSTATE and message, never a connection string. */
export const describeFailure = (error: unknown) => {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const text = String(message ?? error).replace(/\/\/[^/@\s]*@/g, "//***@");
  return code ? { code, error: text } : { error: text };
};

/** The relay's JSON refusals: `{"detail": ...}`, as the API's. */
const refuse = (status: number, detail: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ detail }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/** A query validated by `schema`: its first issue is the 400's detail. */
const query = <S extends z.ZodType>(schema: S) =>
  validator("query", (_value, c) => {
    // The last of a repeated parameter, as URLSearchParams gives it.
    const parsed = schema.safeParse(Object.fromEntries(new URL(c.req.url).searchParams));
    if (!parsed.success) return refuse(400, parsed.error.issues[0]?.message ?? "Bad Request");
    return parsed.data as z.infer<S>;
  });

/**
 * The change relay's routes (`RELAY_PATHS`), on the waits of `options.waits`: who may ask
 * (`refusal`), how many answers are open, each answer's heartbeat and time limit, and one error
 * policy. A database that cannot serve the read is `unavailable` (the caller answers 503 or
 * reads itself); anything else is a bug: logged here with its words, and told to the caller as
 * `error` (500 before an answer has started), without them.
 */
export function relayApp(options: RelayAppOptions): RelayApp {
  const { waits, log } = options;
  const open = new Map<StreamingApi, () => void>();

  /** Streams the lines of one answer, from a heartbeat until `run` is done. */
  const answer = (
    c: Context,
    path: string,
    run: (send: (message: RelayMessage) => void, signal: AbortSignal) => Promise<void>,
    release: () => void = () => {},
  ) => {
    c.header("content-type", RELAY_CONTENT_TYPE);
    c.header("cache-control", "no-store");
    return stream(c, async (out) => {
      let ended = false;
      const abort = new AbortController();
      const end = () => {
        ended = true;
        abort.abort();
        void out.close();
      };
      open.set(out, end);
      out.onAbort(() => abort.abort());
      // An event wait ends by its own timeout; a feed by this, as the API's would.
      const timeUp = setTimeout(() => abort.abort(), options.feedMaxMs);
      const send = (message: RelayMessage) => {
        if (!ended && !out.closed) void out.write(encodeRelayMessage(message));
      };
      send({ t: "heartbeat" });
      const heartbeat = setInterval(() => send({ t: "heartbeat" }), RELAY_HEARTBEAT_MS);
      try {
        await run(send, abort.signal);
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          log({ level: "error", msg: "relay read failed", path, ...describeFailure(error) });
          send({ t: "unavailable" });
        } else {
          log({ level: "error", msg: "relay answer failed", path, ...describeFailure(error) });
          send({ t: "error" });
        }
      } finally {
        clearTimeout(timeUp);
        clearInterval(heartbeat);
        release();
        open.delete(out);
      }
    });
  };

  /** A slot of the workflow's live feeds, or the 429 that refuses one. */
  const admitFeed = (c: Context, workflowId: string) => {
    try {
      return options.feedLimits.admit(workflowId);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      log({ level: "warn", msg: "relay feed refused", detail: error.message });
      return refuse(429, error.message);
    }
  };

  const app = new Hono()
    .use(async (c, next) => {
      const refused = options.refusal({
        host: c.req.header("host"),
        authorization: c.req.header("authorization"),
      });
      if (refused) return refuse(refused.status, refused.detail, refused.headers);
      if (open.size >= options.maxAnswers) {
        log({ level: "warn", msg: "relay full: answer refused", open: open.size });
        return refuse(503, `The relay holds ${options.maxAnswers} answers already`);
      }
      await next();
    })
    .get(RELAY_PATHS.event, query(QUERIES.event), (c) => {
      const q = c.req.valid("query");
      return answer(c, RELAY_PATHS.event, async (send, signal) => {
        const event = await waits.event(q.workflow_id, q.key, q.timeout_ms, signal);
        send({ t: "event", ...event });
      });
    })
    .get(RELAY_PATHS.stream, query(QUERIES.stream), (c) => {
      const q = c.req.valid("query");
      const release = admitFeed(c, q.workflow_id);
      if (release instanceof Response) return release;
      const path = RELAY_PATHS.stream;
      return answer(
        c,
        path,
        async (send, signal) => {
          for await (const batch of waits.stream(q.workflow_id, q.key, q.offset, signal))
            send({ t: "stream", ...batch });
        },
        release,
      );
    })
    .get(RELAY_PATHS.events, query(QUERIES.events), (c) => {
      const q = c.req.valid("query");
      const release = admitFeed(c, q.workflow_id);
      if (release instanceof Response) return release;
      return answer(
        c,
        RELAY_PATHS.events,
        async (send, signal) => {
          for await (const batch of waits.events(q.workflow_id, signal))
            send({ t: "events", ...batch });
        },
        release,
      );
    })
    .notFound(() => refuse(404, "Not Found"))
    .onError((error, c) => {
      if (isDatabaseUnavailable(error))
        return refuse(503, "The database is unavailable, retry shortly");
      log({
        level: "error",
        msg: "relay request failed",
        path: c.req.path,
        ...describeFailure(error),
      });
      return refuse(500, "Internal Server Error");
    });

  return {
    app,
    open: () => open.size,
    endAll() {
      for (const end of open.values()) end();
    },
  };
}
