export {
  createWorkflowClient,
  type ListOptions,
  type MintedToken,
  type TokenNames,
  type TokenRequest,
  type SendOptions,
  type WorkflowClient,
} from "./client.js";
export { WorkflowApiError } from "./errors.js";
export { httpTransport, type HttpTransportOptions } from "./http-transport.js";
export type {
  EventChange,
  FollowEventsOptions,
  FollowOptions,
  FollowStreamOptions,
  StreamValue,
} from "./live.js";
export type { AllEvents, StreamSnapshot } from "./shapes.js";
export { readServerSentEvents, type ServerSentEvent } from "./sse.js";
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
