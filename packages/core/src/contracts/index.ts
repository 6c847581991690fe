export * from "./app.js";
export * from "./catalog.js";
export * from "./live-feed.js";
export * from "../kind.js";
export type { EventsWorkflowResult } from "../kinds/events.js";
export type { MessagingWorkflowOutput } from "../kinds/messaging.js";
export type { StreamRecord } from "../kinds/streaming.js";
export type { ChildStatus, FanoutRootOutput } from "../kinds/fanout.js";
export * from "./stored.js";
