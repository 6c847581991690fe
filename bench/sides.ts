import { DBOSClient } from "@dbos-inc/dbos-sdk";
import {
  APP_NAME,
  DEFAULT_APP_VERSION,
  DEFAULT_STREAM,
  DEFAULT_TOPIC,
  kindNamed,
  QUEUE_NAME,
} from "@wfc/core";
import { readServerSentEvents } from "@wfc/client";
import pg from "pg";

/** The operations a client performs, done the naive way (baseline) or through our API (tuned). */
export interface Side {
  name: "baseline" | "tuned";
  databaseUrl: string;
  /** For enqueues that measure the worker itself, identical on both sides. */
  client: DBOSClient;
  waitEvent(workflowId: string, key: string, timeoutSeconds: number): Promise<unknown>;
  followStream(workflowId: string): AsyncIterable<unknown>;
  sendMessage(workflowId: string, message: Record<string, unknown>): Promise<void>;
  startEventsWorkflow(workflowId: string, nSteps: number): Promise<void>;
  close(): Promise<void>;
}

export const enqueueOptions = (workflowName: string, workflowID: string) => ({
  queueName: QUEUE_NAME,
  workflowName,
  workflowID,
  appVersion: DEFAULT_APP_VERSION,
});

/** The naive baseline: a handler that calls DBOSClient with its defaults for everything. */
export async function baselineSide(databaseUrl: string): Promise<Side> {
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  return {
    name: "baseline",
    databaseUrl,
    client,
    waitEvent: (id, key, timeoutSeconds) => client.getEvent(id, key, timeoutSeconds),
    followStream: (id) => client.readStream(id, DEFAULT_STREAM),
    sendMessage: (id, message) => client.send(id, message, DEFAULT_TOPIC),
    startEventsWorkflow: async (id, nSteps) => {
      await client.enqueue(enqueueOptions(kindNamed("events").workflowName, id), nSteps);
    },
    close: () => client.destroy(),
  };
}

/** This system: everything a user does goes through the HTTP API, as a user would. */
export async function tunedSide(databaseUrl: string, apiBase: string): Promise<Side> {
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  const ok = async (response: Response) => {
    if (!response.ok)
      throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
    return response;
  };
  return {
    name: "tuned",
    databaseUrl,
    client,
    async waitEvent(id, key, timeoutSeconds) {
      const response = await fetch(
        `${apiBase}/workflow-events/${id}/${key}?timeout=${timeoutSeconds}`,
      );
      if (response.status === 404) return null;
      return ((await (await ok(response)).json()) as { value: unknown }).value;
    },
    async *followStream(id) {
      const response = await ok(await fetch(`${apiBase}/workflow-stream/${id}/live`));
      for await (const event of readServerSentEvents(response.body!)) {
        if (event.event === "value") yield JSON.parse(event.data);
      }
    },
    async sendMessage(id, message) {
      const init = {
        method: "POST",
        body: JSON.stringify(message),
        headers: { "content-type": "application/json" },
      };
      await ok(await fetch(`${apiBase}/send-message/${id}`, init));
    },
    async startEventsWorkflow(id, nSteps) {
      await ok(await fetch(`${apiBase}/start-workflow-events/${id}/${nSteps}`, { method: "POST" }));
    },
    close: () => client.destroy(),
  };
}

/** Counts server connections whose application_name starts with `prefix`. */
export async function countConnections(admin: pg.Pool, prefix: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE $1",
    [`${prefix}%`],
  );
  return rows[0]!.n;
}

/** Worker settings: DBOS defaults for the baseline, our defaults for this system. */
export const WORKER_ENV = {
  baseline: {
    QUEUE_POLLING_INTERVAL_MS: "1000",
    NOTIFICATION_COALESCE_MS: "10",
    QUEUE_WAKE: "off",
    NOTIFY_TRIGGERS: "false",
    PREPARED_STATEMENTS: "off",
  },
  tuned: {},
} as const;
