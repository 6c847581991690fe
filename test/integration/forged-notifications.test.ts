import { randomBytes } from "node:crypto";
import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import { readServerSentEvents, type ServerSentEvent } from "@wfc/client";
import {
  ANNOUNCEMENT_KEY_TABLE,
  APP_NAME,
  CHANNELS,
  databaseUrlFor,
  DBOS_SCHEMA,
  DEFAULT_STREAM,
  kindNamed,
  QUEUE_NAME,
  VALUE_CHANNELS,
} from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiRoleEnv,
  dropRole,
  sqlstateOf,
  testPassword,
  uniqueRoleName,
} from "../support/api-role.js";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Any database role may NOTIFY on any channel, and PostgreSQL does not say who sent it. Here the
// API's own role forges value announcements (unsigned, with a made-up MAC, genuine ones replayed
// on another channel or after the fact) while a GET waits and while a live reader follows a
// stream: nothing forged is ever answered, and the real values arrive once, in order. The
// fallback poll is a minute, so an answer came from a notification.
const role = uniqueRoleName("wfc_api_forge");
const password = testPassword();
let url: string;
let roleUrl: string;
let worker: TestWorker;
let relayUrl: string;
let admin: pg.Pool;
let parked: DBOSClient;
let forger: pg.Client;
/** What the API's role hears on the value channels: genuine announcements, to replay. */
const heard: Array<{ channel: string; payload: string }> = [];
let onHeard: () => void = () => {};
let sequence = 0;

beforeAll(async () => {
  url = await createTestDatabase("wfc_forge");
  await DBOS.migrate(url);
  worker = await startWorker(url, apiRoleEnv(role, password, 12));
  relayUrl = `http://127.0.0.1:${String((await worker.ready).relayPort)}`;
  roleUrl = databaseUrlFor(url, role, password);
  admin = new pg.Pool({ connectionString: url, max: 3 });
  parked = await DBOSClient.create({ systemDatabaseUrl: url, applicationName: APP_NAME });
  forger = new pg.Client({ connectionString: roleUrl });
  await forger.connect();
  forger.on("notification", ({ channel, payload }) => {
    heard.push({ channel, payload: payload ?? "" });
    onHeard();
  });
  for (const channel of Object.values(VALUE_CHANNELS)) await forger.query(`LISTEN ${channel}`);
});

afterAll(async () => {
  await forger?.end();
  await parked?.destroy();
  await admin?.end();
  await worker?.stop();
  if (url) await dropRole(role, [url]);
});

/** A workflow no worker runs (its version is nobody's): values are written to it by hand. */
async function parkedWorkflow(kind: "events" | "streaming") {
  const id = `forge-${kind}-${Date.now()}-${sequence++}`;
  await parked.enqueue(
    {
      queueName: QUEUE_NAME,
      workflowName: kindNamed(kind).workflowName,
      workflowID: id,
      appVersion: "parked",
    },
    1,
  );
  return id;
}

const notify = (channel: string, payload: string) =>
  forger.query("SELECT pg_notify($1, $2)", [channel, payload]);

/** The genuine announcement the API's role heard for `id`'s `key` on `channel`. */
async function genuine(channel: string, id: string, key: string, offset?: number) {
  const matches = (h: (typeof heard)[number]) => {
    if (h.channel !== channel) return false;
    const { w, k, o } = JSON.parse(h.payload) as { w: string; k: string; o?: number };
    return w === id && k === key && o === offset;
  };
  while (!heard.some(matches)) await new Promise<void>((resolve) => (onHeard = resolve));
  return heard.find(matches)!.payload;
}

const json = (value: unknown) => JSON.stringify(value);
const withFakeMac = (payload: string) =>
  `${payload.slice(0, -1)},"m":"${randomBytes(32).toString("hex")}"}`;

/** Every forgery of `value` at `id`'s `key` (and `o`) on `channel`, then a wake-up for it. */
async function forge(channel: "events" | "streams", id: string, key: string, o?: number) {
  const made = json({ w: id, k: key, v: json("forged"), s: "portable_json", x: "1", o });
  for (const payload of [made, withFakeMac(made)]) await notify(VALUE_CHANNELS[channel], payload);
  await notify(CHANNELS[channel], `${id}::${key}`);
}

const writeEvent = (id: string, key: string, value: unknown) =>
  admin.query(
    `INSERT INTO ${DBOS_SCHEMA}.workflow_events (workflow_uuid, key, value, serialization)
     VALUES ($1, $2, $3, 'portable_json')`,
    [id, key, json(value)],
  );

const writeStream = (id: string, key: string, offset: number, value: unknown) =>
  admin.query(
    `INSERT INTO ${DBOS_SCHEMA}.streams (workflow_uuid, key, value, "offset", function_id, serialization)
     VALUES ($1, $2, $3, $4, $4, 'portable_json')`,
    [id, key, json(value), offset],
  );
const CLOSED = "__DBOS_STREAM_CLOSED__";

/**
 * Runs `work` while reads of `table` wait behind a lock: `start` begins a request, whose first
 * read then waits, so it has subscribed to its notifications (waiters subscribe first) and has
 * read nothing yet when `work` runs.
 * @returns what `start` returned.
 */
async function whileReadHeld<T>(table: string, start: () => T, work: () => Promise<void>) {
  const client = await admin.connect();
  try {
    await client.query("BEGIN");
    await client.query(`LOCK TABLE ${DBOS_SCHEMA}.${table} IN ACCESS EXCLUSIVE MODE`);
    const started = start();
    const held = async () =>
      (
        await admin.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = $1::regclass",
          [`${DBOS_SCHEMA}.${table}`],
        )
      ).rows[0]!.n > 0;
    while (!(await held())) await new Promise((resolve) => setTimeout(resolve, 10));
    await work();
    // Wrapped: an async function returning a promise would wait for it.
    return { started };
  } finally {
    await client.query("COMMIT");
    client.release();
  }
}

/** The next `value` or `end` event of a live feed. */
async function nextEvent(events: AsyncIterator<ServerSentEvent>) {
  for (;;) {
    const { value, done } = await events.next();
    if (done) throw new Error("the feed ended without an end event");
    if (value.event === "value" || value.event === "end") return value;
  }
}

const follow = async (api: ReturnType<typeof createTestApi>, id: string, lastId?: string) => {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (lastId !== undefined) headers["last-event-id"] = lastId;
  const response = await api.app.request(`/workflow-stream/${id}/live`, {
    headers,
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  return { events: readServerSentEvents(response.body!)[Symbol.asyncIterator](), abort };
};
const valueOf = (event: ServerSentEvent) => ({
  id: event.id,
  event: event.event,
  data: JSON.parse(event.data) as unknown,
});

it("keeps the key that signs announcements from the API's role", async () => {
  expect(await sqlstateOf(roleUrl, `SELECT key FROM ${ANNOUNCEMENT_KEY_TABLE}`)).toBe("42501");
});

const apis = {
  "its own LISTEN, as a role that reads the announcement key": () =>
    createTestApi(url, undefined, { fallbackPollMs: 60_000 }),
  "its own LISTEN, as the API's role (no key)": () =>
    createTestApi(roleUrl, undefined, { fallbackPollMs: 60_000 }),
  "the change relay, as the API's role": () =>
    createTestApi(roleUrl, undefined, { fallbackPollMs: 60_000, relayUrl }),
};

describe.each(Object.entries(apis))("an API waiting through %s", (_name, create) => {
  let api: ReturnType<typeof createTestApi>;
  beforeAll(async () => {
    api = create();
    // Its notifications set up (LISTEN connected), so a forgery cannot slip past unheard.
    const id = await parkedWorkflow("events");
    await writeEvent(id, "status", "ready");
    expect((await api.get(`/workflow-events/${id}/status?timeout=5`)).status).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
  });

  it("never answers a blocked GET with a forged or replayed value, and answers the one written", async () => {
    const id = await parkedWorkflow("events");
    // A genuine announcement of a stream value under the event's key, to replay as an event.
    await writeStream(id, "status", 0, "a stream value");
    const streamValue = await genuine(VALUE_CHANNELS.streams, id, "status", 0);
    // Nothing is written: whatever answers before the timeout was forged.
    const { started: forged } = await whileReadHeld(
      "workflow_events",
      () => api.get(`/workflow-events/${id}/status?timeout=1`),
      async () => {
        await notify(VALUE_CHANNELS.events, streamValue);
        await forge("events", id, "status");
      },
    );
    expect((await forged).status).toBe(404);

    const { started: waiting } = await whileReadHeld(
      "workflow_events",
      () => api.get(`/workflow-events/${id}/status?timeout=20`),
      () => forge("events", id, "status"),
    );
    await writeEvent(id, "status", "written");
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.value).toBe("written");
  });

  it("delivers a live stream's values once, in order, and none forged; a resume goes on from the last", async () => {
    const id = await parkedWorkflow("streaming");
    const key = DEFAULT_STREAM;
    await writeStream(id, key, 0, "zero");
    const reader = await follow(api, id);
    expect(valueOf(await nextEvent(reader.events))).toEqual({
      id: "0",
      event: "value",
      data: "zero",
    });
    // The reader has read and waits: forge offset 1, replay the genuine offset 0, then write 1.
    const zero = await genuine(VALUE_CHANNELS.streams, id, key, 0);
    await forge("streams", id, key, 1);
    await notify(VALUE_CHANNELS.streams, zero);
    await writeStream(id, key, 1, "one");
    expect(valueOf(await nextEvent(reader.events))).toEqual({
      id: "1",
      event: "value",
      data: "one",
    });
    reader.abort.abort();

    const resumed = await follow(api, id, "1");
    await writeStream(id, key, 2, "two");
    expect(valueOf(await nextEvent(resumed.events))).toEqual({
      id: "2",
      event: "value",
      data: "two",
    });
    await forge("streams", id, key, 3);
    await notify(VALUE_CHANNELS.streams, await genuine(VALUE_CHANNELS.streams, id, key, 2));
    await writeStream(id, key, 3, CLOSED);
    expect(valueOf(await nextEvent(resumed.events))).toEqual({
      id: undefined,
      event: "end",
      data: { reason: "closed" },
    });
    resumed.abort.abort();
  });
});
