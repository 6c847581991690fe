import { handle } from "hono/aws-lambda";
import { createRuntime } from "./runtime.js";

// Module scope: built once per Lambda instance, reused while the instance stays warm.
const { app } = createRuntime();

/** AWS Lambda entry (API Gateway v1/v2 and Function URL events). */
export const handler = handle(app);
