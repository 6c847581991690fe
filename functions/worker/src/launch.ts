// `@wfc/worker/launch`: the worker for a process that registers more workflows before running
// it (the benchmark's instrumented worker), and the names such a process may observe.
export { workerConfig } from "./config.js";
export { QUEUE_WAKE_CHANNEL } from "./queue-wake.js";
export { runWorker } from "./worker.js";
