// Everything both sides share, minus the workflow code: the API imports only this entry, so
// no workflow implementation is bundled into the Lambda. The worker imports "@wfc/core/workflows".
export * from "./contracts/index.js";
export * from "./config.js";
export * from "./errors.js";
export { readAllEvents } from "./db/events.js";
export { readStreamSnapshot, type StreamSnapshot } from "./db/streams.js";
export { decodeValue } from "./db/decode.js";
export type { Queryable } from "./db/queryable.js";
