export * from "./app.js";
export * from "./events.js";
export * from "./messaging.js";
export * from "./streaming.js";
export * from "./fanout.js";
export * from "./catalog.js";
export * from "./live-feed.js";
