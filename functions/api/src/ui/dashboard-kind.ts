// What the server tells the dashboard's browser code about each kind: plain JSON, shared by both
// sides (functions/api/src/ui/browser/ type-checks against it), so it imports nothing.

/** One input of a start form: a start parameter, typed and bounded as its schema says. */
export interface DashboardInput {
  param: string;
  label: string;
  type: "integer" | "number" | "string" | "boolean";
  /** A number's bounds, or a string's length. */
  min?: number;
  max?: number;
  default?: unknown;
}

/** A button that sends `message` on `topic` to a waiting workflow. */
export interface DashboardActionView {
  label: string;
  topic: string;
  message: Record<string, unknown>;
  reject: boolean;
  /** The notice once sent, before the workflow ID. */
  done: string;
}

/** What the dashboard's script knows of a startable kind: plain JSON, embedded in the script. */
export interface DashboardKind {
  name: string;
  /**
   * Whether the start form offers it: a kind without a path route (its parameters are lists or
   * objects) is started through the API's JSON route, and only shown (progress, log, buttons).
   */
  form: boolean;
  /** The start path is `prefix`, then each of `segments` (`workflow_id` or a parameter's name). */
  prefix: string;
  segments: string[];
  inputs: DashboardInput[];
  actions: DashboardActionView[];
  progress: { percent: string; status: string | null } | null;
  log: { stream: string } | null;
}
