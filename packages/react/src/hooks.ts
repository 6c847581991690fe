import { useCallback, useState } from "react";
import type {
  BrowserClient,
  FollowStreamOptions,
  SendMessageOptions,
  StreamValue,
  WaitingFor,
  WorkflowSummary,
} from "@wfc/browser";
import { useLive } from "./live.js";

/** A workflow's status and what it waits for now. */
export interface WorkflowState {
  /** `GET /workflows/{id}`: read on mount and again when the workflow finishes. */
  workflow: WorkflowSummary | undefined;
  /** The receive it is blocked in (`{topic, since, deadline}`), or null: show the buttons then. */
  waitingFor: WaitingFor | null;
}

/** Events so far by key, and what the workflow waits for now. */
export interface EventsState {
  events: Record<string, unknown>;
  waitingFor: WaitingFor | null;
}

/**
 * A workflow's status, kept current: read once, then `waiting_for` from the live events feed
 * as it changes, and the status again once the workflow has finished.
 */
export function useWorkflow(client: BrowserClient, id: string | undefined) {
  return useLive<WorkflowState>(
    id,
    () => ({ workflow: undefined, waitingFor: null }),
    async (id, signal, update) => {
      const read = async () => {
        const workflow = await client.getWorkflow(id);
        update(() => ({ workflow, waitingFor: workflow.waiting_for ?? null }));
      };
      await read();
      const onWaitingFor = (waitingFor: WaitingFor | null) =>
        update((state) => ({ ...state, waitingFor }));
      for await (const change of client.followEvents(id, { signal, onWaitingFor })) void change;
      await read();
    },
    [client],
  );
}

/** The workflow's events live (`events[key]` is each key's latest value), until it finishes. */
export function useWorkflowEvents(client: BrowserClient, id: string | undefined) {
  return useLive<EventsState>(
    id,
    () => ({ events: {}, waitingFor: null }),
    async (id, signal, update) => {
      const onWaitingFor = (waitingFor: WaitingFor | null) =>
        update((state) => ({ ...state, waitingFor }));
      for await (const { key, value } of client.followEvents(id, { signal, onWaitingFor }))
        update((state) => ({ ...state, events: { ...state.events, [key]: value } }));
    },
    [client],
  );
}

/**
 * A stream's values live, in order, resumed across reconnects; with `cursorStore`
 * (`sessionStorage`), a reloaded page goes on after the last value it received.
 */
export function useWorkflowStream<T = unknown>(
  client: BrowserClient,
  id: string | undefined,
  { key, tail, offset, cursorStore }: Omit<FollowStreamOptions, "signal"> = {},
) {
  return useLive<StreamValue<T>[]>(
    id,
    () => [],
    async (id, signal, update) => {
      const options = { signal, key, tail, offset, cursorStore };
      for await (const item of client.followStream<T>(id, options))
        update((values) => [...values, item]);
    },
    [client, key, tail, offset, cursorStore],
  );
}

/** `send(payload)` on `topic`, with whether it is under way and how it last failed. */
export function useSendMessage(
  client: BrowserClient,
  id: string | undefined,
  options: SendMessageOptions = {},
) {
  const [state, setState] = useState<{ pending: boolean; error: unknown }>({
    pending: false,
    error: undefined,
  });
  const { topic, idempotencyKey } = options;
  const send = useCallback(
    async (payload: Record<string, unknown>) => {
      if (!id) throw new Error("No workflow to send to");
      setState({ pending: true, error: undefined });
      try {
        const sent = await client.sendMessage(id, payload, { topic, idempotencyKey });
        setState({ pending: false, error: undefined });
        return sent;
      } catch (error) {
        setState({ pending: false, error });
        throw error;
      }
    },
    [client, id, topic, idempotencyKey],
  );
  return { send, ...state };
}
