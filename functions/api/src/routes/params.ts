import { DEFAULT_STREAM, DEFAULT_TOPIC, storableText, workflowIdSchema } from "@wfc/core";
import { z } from "zod";

export { MAX_EVENT_TIMEOUT_SECONDS } from "@wfc/core";

export const workflowParam = z.object({ workflow_id: workflowIdSchema });

/** An event key, topic or stream key, as DBOS stores it (text, part of a primary key). */
export const channelName = (what: string) =>
  storableText(what)
    .min(1, `${what} must not be empty`)
    .max(255, `${what} must be at most 255 characters`);

/** `?topic=` of messages and webhooks; the seed's `notification` by default. */
export const topicQuery = z.object({ topic: channelName("topic").default(DEFAULT_TOPIC) });

/** `?key=` of stream reads; the seed's `progress_stream` by default. */
export const streamKeyQuery = z.object({ key: channelName("key").default(DEFAULT_STREAM) });
