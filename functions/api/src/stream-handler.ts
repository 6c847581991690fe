import { streamHandle } from "hono/aws-lambda";
import { createRuntime } from "./runtime.js";

// Module scope: built once per Lambda instance, reused while the instance stays warm.
const { app } = createRuntime();

/**
 * AWS Lambda entry with response streaming (`awslambda.streamifyResponse`, a global of the
 * Lambda Node.js runtime): live server-sent events leave as they are written. Serves the same
 * app as `handler.ts`, behind API Gateway REST routes in STREAM transfer mode.
 */
export const handler = streamHandle(app);
