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
export type { EventChange, FollowOptions, FollowStreamOptions, StreamValue } from "./live.js";
export type { AllEvents, StreamSnapshot } from "./shapes.js";
export { readServerSentEvents, type ServerSentEvent } from "./sse.js";
export { withApiKey, type FetchLike, type Transport } from "./transport.js";
