/** The workflow name of the receiving worker's workflow (`receiving-worker.ts`). */
export const RECEIVING_WORKFLOW = "test_receiving_workflow";
