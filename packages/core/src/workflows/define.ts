import { DBOS, type WorkflowStatus } from "@dbos-inc/dbos-sdk";
import { QUEUE_NAME } from "../contracts/app.js";
import type { AnyKind, ArgsOf, EventOf, SettingsOf, StreamOf, TopicOf } from "../kind.js";
import { readStatusStep } from "./child-status.js";
import {
  approvalLinkStep,
  type ApprovalLink,
  type ApprovalLinkOptions,
  type LinkSigning,
} from "./approval-link.js";
import type { Receive } from "./receive.js";
import type { FibonacciStep } from "./steps.js";

/** A registered workflow function: what `DBOS.startWorkflow` takes. */
export type WorkflowFunction<Args extends readonly unknown[] = any[]> = (
  ...args: Args
) => Promise<unknown>;

/**
 * What a kind's workflow gets: its settings, the seed's fibonacci step, and DBOS's channels
 * typed by the kind's declaration (a key, topic or stream it does not declare is a compile error).
 */
export interface WorkflowTools<K extends AnyKind> {
  settings: SettingsOf<K>;
  /** The seed's checkpointed fibonacci step, computed off the event loop. */
  fibonacci: FibonacciStep;
  setEvent(key: EventOf<K>, value: unknown): Promise<void>;
  /**
   * The next message on `topic`, or null after `timeoutSeconds`. Messages sent earlier wait; once
   * a receive has timed out, sends to its topic are refused until the next receive on it
   * (`createReceive`).
   */
  recv<T = unknown>(topic: TopicOf<K>, timeoutSeconds: number): Promise<T | null>;
  writeStream(key: StreamOf<K>, value: unknown): Promise<void>;
  closeStream(key: StreamOf<K>): Promise<void>;
  /** Another kind's registered workflow, to start it as a child with `DBOS.startWorkflow`. */
  workflowOf<C extends AnyKind>(kind: C): WorkflowFunction<ArgsOf<C>>;
  /** Enqueues another kind's workflow as a child of this one on our queue; returns its ID. */
  startChild<C extends AnyKind>(kind: C, ...args: ArgsOf<C>): Promise<string>;
  /**
   * A workflow's status now (null if there is none), checkpointed. Use this, never
   * `handle.getStatus()` or `DBOS.getWorkflowStatus` in a workflow: see `child-status.ts`.
   */
  statusOf(workflowId: string): Promise<WorkflowStatus | null>;
  /**
   * A signed, single-use approval link for this workflow on `topic` (one the kind declares an
   * approval on), for a person to answer with no key: send its `url` by email or chat in a step
   * of your own, then `recv` on the topic. Checkpointed: a recovery gets the same link.
   */
  approvalLink(topic: TopicOf<K>, options?: ApprovalLinkOptions): Promise<ApprovalLink>;
}

/** What registration needs from the worker. */
export interface RegisterContext {
  fibonacci: FibonacciStep;
  /** DBOS's `recv` with each receive's state recorded (`createReceive`). */
  receive: Receive;
  /** Settings values of every kind, by kind name. */
  settings: Record<string, Record<string, unknown>>;
  workflowOf(kind: AnyKind): WorkflowFunction;
  /** How approval links minted inside workflows are signed and addressed. */
  links: LinkSigning;
}

/** A kind's implementation: registered with DBOS by the worker, never loaded by the API. */
export interface KindWorkflow<K extends AnyKind = AnyKind> {
  kind: K;
  register(context: RegisterContext): WorkflowFunction<ArgsOf<K>>;
}

/**
 * Implements a declared kind. `body` gets the kind's tools and returns the workflow function,
 * called with the kind's `args`; it is registered under the kind's stored `workflowName`.
 * Inside it, let errors propagate: DBOS records them as the workflow's error.
 */
export function defineWorkflow<K extends AnyKind>(
  kind: K,
  body: (tools: WorkflowTools<K>) => (...args: ArgsOf<K>) => Promise<unknown>,
): KindWorkflow<K> {
  return {
    kind,
    register(context) {
      const tools: WorkflowTools<K> = {
        settings: (context.settings[kind.name] ?? {}) as SettingsOf<K>,
        fibonacci: context.fibonacci,
        setEvent: (key, value) => DBOS.setEvent(key, value),
        recv: (topic, timeoutSeconds) => context.receive(topic, timeoutSeconds),
        writeStream: (key, value) => DBOS.writeStream(key, value),
        closeStream: (key) => DBOS.closeStream(key),
        workflowOf: (other) => context.workflowOf(other),
        startChild: async (other, ...args) => {
          const child = context.workflowOf(other);
          const start = DBOS.startWorkflow(child, { queueName: QUEUE_NAME });
          return (await start(...(args as unknown[]))).workflowID;
        },
        statusOf: (workflowId) => readStatusStep(workflowId),
        approvalLink: approvalLinkStep(kind, context.links),
      };
      return DBOS.registerWorkflow(body(tools), {
        name: kind.workflowName,
        ...(kind.maxRecoveryAttempts !== undefined && {
          maxRecoveryAttempts: kind.maxRecoveryAttempts,
        }),
      });
    },
  };
}
