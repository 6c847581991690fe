// Realtime: how a waiter learns that a workflow wrote (the change feed), the waits built on it
// (a blocked event read, the two live feeds), and how they are delivered to the API: run in its
// own process (`localWaits`) or through the change relay (`relayWaits`, `createWaits`). The
// relay's server is an entry of its own, "@wfc/realtime/relay-server", so the API bundles none
// of it. See README.md.
export { ChangeFeed, type ChangeFeedOptions } from "./change-feed.js";
export {
  LIVE_SAFETY_NET_MS,
  POLL_ONLY,
  READY_WAIT_MS,
  readyWithin,
  type ChangeHandler,
  type ChangeSource,
  type StoredValue,
} from "./change-source.js";
export { followEvents, type EventsBatch } from "./follow-events.js";
export { followStream, type FollowOptions, type StreamBatch } from "./follow-stream.js";
export { LiveFeedLimits } from "./live-feed-limits.js";
export { LIVE_OUTAGE_MS, Outage } from "./outage.js";
export { waitForEvent, type WaitOptions } from "./wait-for-event.js";
export { localWaits, type LocalWaitsOptions, type Waits } from "./waits.js";
export { relayWaits, type RelayTarget } from "./relay/client.js";
export * from "./relay/protocol.js";
export { createWaits, type WaitsDelivery } from "./delivery.js";
