import { nStepsSchema, workflowIdSchema } from "@wfc/core";
import { z } from "zod";

export const workflowParam = z.object({ workflow_id: workflowIdSchema });
export const startParams = z.object({ workflow_id: workflowIdSchema, n_steps: nStepsSchema });

/** Longest a blocked event GET may wait, in seconds (fits API Gateway's 29 s buffered limit). */
export const MAX_EVENT_TIMEOUT_SECONDS = 25;
