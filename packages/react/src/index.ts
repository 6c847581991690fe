export {
  useSendMessage,
  useWorkflow,
  useWorkflowEvents,
  useWorkflowStream,
  type EventsState,
  type WorkflowState,
} from "./hooks.js";
export type { Live } from "./live.js";
