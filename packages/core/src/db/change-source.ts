/** The NOTIFY channels a DBOS worker publishes on, payload `<workflowId>::<key>`. */
export const CHANNELS = {
  events: "dbos_workflow_events_channel",
  streams: "dbos_streams_channel",
} as const;
export type Channel = keyof typeof CHANNELS;

/**
 * Where each write also announces its value (`wfc.notify_event_value`, `wfc.notify_stream_value`),
 * when it fits, just before its key's announcement on `CHANNELS`: a waiter answers without reading
 * it back. Ours, beside DBOS's channels: DBOS's listeners read a payload as `<workflowId>::<key>`
 * and nothing else. Payload: JSON `{w, k, v, s, x}` (workflow, key, value, serialization, the
 * writing transaction), with `o` (the offset) for a stream value, and last `m`, its MAC
 * (`announcement-mac.ts`): a value is believed only with a MAC that proves who sent it.
 */
export const VALUE_CHANNELS = {
  events: "wfc_event_values",
  streams: "wfc_stream_values",
} as const satisfies Record<Channel, string>;

/**
 * Where a workflow's end (its status becoming final) is announced, payload `<workflowId>`, by a
 * trigger the worker installs with the others (`notify-triggers.ts`): DBOS announces no status
 * change, and without this a live feed would have to re-read now and then to notice the end.
 */
export const WORKFLOW_ENDED_CHANNEL = "wfc_workflow_ended";

/**
 * Where a receive's start and end (`wfc.receives` written by the workflow tools' receive steps,
 * `dbos/receives.ts`) are announced, payload `<workflowId>`, in the writing statement itself: a
 * live events feed then re-reads what the workflow waits for. A bare wake-up, unsigned: whoever
 * sends one only makes feeds re-read committed state.
 */
export const RECEIVE_CHANGED_CHANNEL = "wfc_receive_changed";
