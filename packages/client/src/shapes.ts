// These two routes also answer server-sent events from the same handler, so Hono's client
// infers `unknown` for their JSON; their shapes are spelled here. They name no server type, so
// the published declarations stand alone.

/** `GET /workflow-events/{id}/all`. */
export interface AllEvents {
  workflow_id: string;
  events: Record<string, unknown>;
}

/**
 * `GET /workflow-stream/{id}`; `offset` (the first value's), `next_offset` and `closed` only
 * with `?offset=` or `?tail=`.
 */
export interface StreamSnapshot<T = unknown> {
  workflow_id: string;
  stream_values: T[];
  total_messages: number;
  offset?: number;
  next_offset?: number;
  closed?: boolean;
}
