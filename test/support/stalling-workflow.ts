/** The workflow name of the stalling worker's deadlocking workflow (`stalling-worker.ts`). */
export const STALLING_WORKFLOW = "test_stalling_workflow";
