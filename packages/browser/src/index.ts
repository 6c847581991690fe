export {
  createBrowserClient,
  type BrowserClient,
  type BrowserClientOptions,
  type SendMessageOptions,
} from "./client.js";
export type { Connection, FetchLike } from "./connection.js";
export { WorkflowApiError } from "./errors.js";
export {
  cursorKey,
  followEvents,
  followStream,
  type CursorStore,
  type EventChange,
  type FollowEventsOptions,
  type FollowOptions,
  type FollowStreamOptions,
  type StreamValue,
} from "./live.js";
export { readServerSentEvents, type ServerSentEvent } from "./sse.js";
export {
  authorizedFetch,
  refreshAt,
  REFRESH_MARGIN_MS,
  tokenExpiry,
  tokenSource,
  type TokenOptions,
} from "./token.js";
export type { WaitingFor, WorkflowSummary } from "@wfc/core/contracts";
