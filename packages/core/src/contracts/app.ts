import * as z from "zod";
import { storedInteger } from "./stored.js";

/**
 * Identity shared by every process of one release. DBOS only dispatches a queued workflow to an
 * executor whose application name matches the enqueuer's, and whose version matches the one
 * stamped on the workflow: both sides pin these, so nothing depends on which process ran last.
 * Stored identifiers: never rename casually.
 */
export const APP_NAME = "workflow-communication";

/**
 * The seed's channel names, the defaults of `POST /send-message/{id}?topic=` and
 * `GET /workflow-stream/{id}?key=`, so the seed's calls work unchanged.
 */
export const DEFAULT_TOPIC = "notification";
export const DEFAULT_STREAM = "progress_stream";

/** The queue the API enqueues onto and the worker consumes (the seed's queue name). */
export const QUEUE_NAME = "example-queue";

/**
 * Upper bound on `n_steps`. Event steps compute fibonacci(28+i) recursively, so the cost grows
 * by ~1.6x per step: 20 steps is about a minute of CPU, the most one request may occupy.
 */
export const MAX_STEPS = 20;

/**
 * Longest a blocked event GET may wait, in seconds (fits API Gateway's 29 s buffered limit); also
 * the longest wait the change relay accepts.
 */
export const MAX_EVENT_TIMEOUT_SECONDS = 25;

/**
 * Most values a tail read (`?tail=N` on a stream's snapshot or live feed) asks for: one answer
 * holds them all, so the bound keeps its rows read and decoded at once, and its size, in check.
 */
export const MAX_STREAM_TAIL = 1_000;

/**
 * Workflow IDs: what a URL path segment carries safely, and what fits DBOS's text column. The
 * pattern is stricter than `storableText` (no NUL, no surrogates, nothing to escape).
 */
export const WORKFLOW_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
export const MAX_WORKFLOW_ID_LENGTH = 128;

export const workflowIdSchema = z
  .string()
  .min(1, "workflow_id must not be empty")
  .max(MAX_WORKFLOW_ID_LENGTH, `workflow_id must be at most ${MAX_WORKFLOW_ID_LENGTH} characters`)
  .regex(
    WORKFLOW_ID_PATTERN,
    "workflow_id may only contain letters, digits, '.', '_', ':' and '-'",
  );

export const nStepsSchema = storedInteger("n_steps", { min: 1, max: MAX_STEPS });

/** One fibonacci step's result, as the seed returns it. */
export interface StepResult {
  n: number;
  fibonacci: number;
}
