export {
  createWorkflowClient,
  type ListOptions,
  type LinkRequest,
  type MintedLink,
  type MintedToken,
  type TokenNames,
  type TokenRequest,
  type SendOptions,
  type WorkflowClient,
} from "./client.js";
export { httpTransport, type HttpTransportOptions } from "./http-transport.js";
// Errors, live feeds and the SSE parser are the browser client's: written once, for both.
export {
  readServerSentEvents,
  WorkflowApiError,
  type CursorStore,
  type EventChange,
  type FollowEventsOptions,
  type FollowOptions,
  type FollowStreamOptions,
  type ServerSentEvent,
  type StreamValue,
} from "@wfc/browser";
export type { AllEvents, StreamSnapshot } from "./shapes.js";
export { withApiKey, type FetchLike, type Transport } from "./transport.js";
// The types the client's methods take and return, and the records the repository's kinds write,
// from the package itself: a consumer has no `@wfc/core` to import them from.
export type {
  AnswerOf,
  ChildStatus,
  EventsWorkflowResult,
  FanoutRootOutput,
  KindNamed,
  MessagingWorkflowOutput,
  ParamsOf,
  StartableKind,
  StepResult,
  StreamRecord,
  VersionsReport,
  VersionState,
  VersionSummary,
  WaitingFor,
  WorkflowKind,
  WorkflowStatusName,
  WorkflowSummary,
} from "@wfc/core/contracts";
