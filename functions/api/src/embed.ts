// `@wfc/api/app`: the API for a process that serves it itself (the benchmark, tools), the same
// app, backend and Node server `npm start` runs, without reaching into this package's files.
export { createApp, type AppSettings } from "./app.js";
export { createDbosBackend, type Backend, type BackendOptions } from "./backend.js";
export { serveNode } from "./serve-node.js";
