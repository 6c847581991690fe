import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const resolve = createRequire(import.meta.url).resolve;

/**
 * The files the local stack runs, each as its own process (as in AWS: one process per service):
 * the worker's container entry, the API's Node server and the local Lambda mode's server. The
 * product's through their packages' entries, so the stack runs what a package exports.
 */
export const WORKER_ENTRY = resolve("@wfc/worker/main");
export const API_ENTRY = resolve("@wfc/api/server");
export const LAMBDA_SERVER_ENTRY = fileURLToPath(new URL("./lambda-server.ts", import.meta.url));
