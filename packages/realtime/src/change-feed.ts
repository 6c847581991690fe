import { EventEmitter } from "node:events";
import pg from "pg";
import {
  CHANNELS,
  readAnnouncementKey,
  RECEIVE_CHANGED_CHANNEL,
  VALUE_CHANNELS,
  verifiedAnnouncement,
  WORKFLOW_ENDED_CHANNEL,
  WORKFLOW_ENDED_TRIGGER,
  type Channel,
} from "@wfc/core";
import type { ChangeHandler, ChangeSource } from "./change-source.js";

/** How often a feed without the announcement key looks again for one not created yet. */
const KEY_RETRY_MS = 1_000;
/** How often a feed looks again for the trigger announcing workflows' ends, if it was missing. */
const ENDS_RETRY_MS = 10_000;

/** Which of DBOS's channels a value channel announces ahead of. */
const KEY_CHANNEL_OF = new Map<string, string>(
  (Object.keys(VALUE_CHANNELS) as Channel[]).map((c) => [VALUE_CHANNELS[c], CHANNELS[c]]),
);

/** An announced value, as `wfc.notify_*_value` signs and sends it. */
interface Announcement {
  w: string;
  k: string;
  v: string | null;
  s: string | null;
  /** The writing transaction (absent from an older release's announcements). */
  x?: string;
  /** A stream value's offset. */
  o?: number;
}

export interface ChangeFeedOptions {
  connectionString: string;
  /** Shown in pg_stat_activity, so the connection can be counted and attributed. */
  applicationName?: string;
  /** Longest wait for the LISTEN connection to be accepted. */
  connectTimeoutMs?: number;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/**
 * One LISTEN connection per process, fanned out to every waiter in it: the connection count
 * stays at one however many requests wait. Connects on first use, reconnects with backoff while
 * anyone is subscribed, and after a reconnect wakes every subscriber (notifications sent while
 * it was down are lost, so they must re-read). Emits `listening` each time LISTEN is active.
 *
 * A value announcement is passed on with its value only when its MAC is the announcement key's
 * (`announcement-mac.ts`), which the feed reads when its role may (the worker's may, the API's
 * role may not): any role can NOTIFY anything. Without the key, or with a MAC missing or wrong,
 * it is dropped and the key's own announcement, which always follows a genuine one, wakes the
 * waiters to read what is committed. A genuine announcement replayed later carries a value that
 * was committed: a stream's value at an offset never changes, and an event wait only takes one
 * after a read found its key unset (events are never deleted), so no older value can be shown.
 */
export class ChangeFeed
  extends EventEmitter<{ listening: [connections: number] }>
  implements ChangeSource
{
  readonly #options: Required<ChangeFeedOptions>;
  readonly #subscribers = new Map<string, Set<ChangeHandler>>();
  readonly #channels = new Map<string, Set<ChangeHandler>>();
  /**
   * `<channel>|<workflowId>::<key>` of the value just passed on, whose key announcement, when it
   * is the very next notification, is not passed on (it would only make its waiters read what
   * they were just given): PostgreSQL sends a transaction's notifications together, each row's
   * value just before its key.
   */
  #echo: string | undefined;
  /**
   * The transaction whose announcements are arriving and the keys it has announced: PostgreSQL
   * sends identical notifications of one transaction once, so a second value of one key in one
   * transaction has no key announcement of its own.
   */
  #announcing: { tx: string; keys: Set<string> } | undefined;
  /**
   * The newest transaction whose values were announced. Only a newer one's values echo: a
   * genuine announcement replayed just before another write's key announcement must not silence
   * it. (A transaction that commits after a newer one then costs its readers one read.)
   */
  #newestTx = -1n;
  /** The announcement key; `retryAt`: when to look for one not created yet (never: undefined). */
  #key: { key: Buffer } | { key: undefined; retryAt: number | undefined } = {
    key: undefined,
    retryAt: undefined,
  };
  /** Whether workflows' ends are announced (the trigger exists); when to look again if not. */
  #ends: { announced: boolean; checkAt: number } = { announced: false, checkAt: 0 };
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #delay: number;
  #closed = false;
  #connections = 0;
  /** A connect attempt failed since the last connection: notifications may have been missed. */
  #missed = false;

  constructor(options: ChangeFeedOptions) {
    super();
    this.#options = {
      applicationName: "change-feed",
      connectTimeoutMs: 5_000,
      reconnectDelayMs: 100,
      maxReconnectDelayMs: 5_000,
      ...options,
    };
    this.#delay = this.#options.reconnectDelayMs;
  }

  /** How many times a LISTEN connection was established (1 + reconnects). */
  get connections() {
    return this.#connections;
  }

  /** See `ChangeSource.subscribe`. */
  subscribe(channel: Channel, workflowId: string, handler: ChangeHandler): () => void {
    const topic = `${CHANNELS[channel]}|${workflowId}`;
    let handlers = this.#subscribers.get(topic);
    if (!handlers) this.#subscribers.set(topic, (handlers = new Set()));
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.#subscribers.delete(topic);
    };
  }

  /**
   * Calls `handler` with the payload of every NOTIFY on `channel`, a channel of the caller's own
   * next to the events and streams ones (one connection still LISTENs for all), and with
   * `undefined` after the connection was lost (notifications may have been missed). Keeps the
   * connection, and its reconnects, alive while registered.
   * @returns unregister.
   * @throws Error when `channel` is not a plain lower-case identifier.
   */
  listen(channel: string, handler: ChangeHandler): () => void {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    let handlers = this.#channels.get(channel);
    if (!handlers) {
      this.#channels.set(channel, (handlers = new Set()));
      // Already connected: add the channel; a failure is a lost connection (reconnect, re-LISTEN).
      const client = this.#client;
      client?.query(`LISTEN ${channel}`).catch(() => this.#lost(client));
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.#channels.delete(channel);
    };
  }

  /**
   * See `ChangeSource.announcesAll`: listening, and the worker's trigger announcing workflows'
   * ends is installed (looked for again every `ENDS_RETRY_MS` while it is not).
   */
  announcesAll(): boolean {
    const client = this.#client;
    if (!client) return false;
    if (!this.#ends.announced && performance.now() >= this.#ends.checkAt) {
      this.#ends.checkAt = performance.now() + ENDS_RETRY_MS;
      this.#checkEnds(client).catch(() => this.#lost(client));
    }
    return this.#ends.announced;
  }

  /** Resolves once LISTEN is active; rejects if the database cannot be reached right now. */
  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("change feed closed"));
    if (this.#client) return Promise.resolve();
    return (this.#connecting ??= this.#connect()
      .catch((error: unknown) => {
        // Whoever is registered still counts on the feed: keep trying for them, and have them
        // re-read once it connects (they may have missed notifications meanwhile).
        this.#missed = true;
        this.#scheduleReconnect();
        throw error;
      })
      .finally(() => (this.#connecting = undefined)));
  }

  async close() {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect() {
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      application_name: this.#options.applicationName,
      connectionTimeoutMillis: this.#options.connectTimeoutMs,
      // LISTEN on a connection that went silent must fail too, not hang.
      query_timeout: this.#options.connectTimeoutMs,
    });
    client.on("notification", (message) => {
      const echo = this.#echo;
      this.#echo = undefined;
      const own = this.#channels.get(message.channel);
      if (own) for (const handler of own) handler(message.payload ?? "");
      else if (message.channel === WORKFLOW_ENDED_CHANNEL) this.#ended(message.payload);
      else if (message.channel === RECEIVE_CHANGED_CHANNEL) this.#receiveChanged(message.payload);
      else {
        const keyChannel = KEY_CHANNEL_OF.get(message.channel);
        if (keyChannel) this.#dispatchValue(client, message.channel, keyChannel, message.payload);
        else if (echo !== `${message.channel}|${message.payload ?? ""}`)
          this.#dispatch(message.channel, message.payload);
      }
    });
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    try {
      await client.connect();
      // Until none is left: a channel registered while this connects is listened to as well.
      const listened = new Set<string>();
      const pending = () =>
        [
          ...Object.values(CHANNELS),
          ...Object.values(VALUE_CHANNELS),
          WORKFLOW_ENDED_CHANNEL,
          RECEIVE_CHANGED_CHANNEL,
          ...this.#channels.keys(),
        ].filter((c) => !listened.has(c));
      for (let next = pending(); next.length > 0; next = pending()) {
        for (const channel of next) {
          await client.query(`LISTEN ${channel}`);
          listened.add(channel);
        }
      }
      await this.#readKey(client);
      await this.#checkEnds(client);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    const missed = this.#missed || this.#connections > 0;
    this.#client = client;
    this.#connections++;
    this.#missed = false;
    this.#delay = this.#options.reconnectDelayMs;
    if (missed) this.#wakeAll();
    this.emit("listening", this.#connections);
  }

  /** Reads the announcement key over `client`, when its role may. */
  async #readKey(client: pg.Client) {
    const found = await readAnnouncementKey(client);
    this.#key = found.key
      ? found
      : { key: undefined, retryAt: found.retry ? performance.now() + KEY_RETRY_MS : undefined };
  }

  /**
   * A value written, if its MAC proves it: its key's subscribers get it, and its key's own
   * announcement is echoed. Anything else is dropped (see the class comment).
   */
  #dispatchValue(client: pg.Client, channel: string, keyChannel: string, payload = "") {
    const { key } = this.#key;
    if (!key) {
      const { retryAt } = this.#key;
      if (retryAt !== undefined && performance.now() >= retryAt) {
        this.#key = { key: undefined, retryAt: performance.now() + KEY_RETRY_MS };
        this.#readKey(client).catch(() => this.#lost(client));
      }
      return;
    }
    const body = verifiedAnnouncement(key, channel, payload);
    if (body === undefined) return;
    const change = JSON.parse(body) as Announcement;
    const echo = `${keyChannel}|${change.w}::${change.k}`;
    if (this.#announcing?.tx !== change.x) {
      const tx = change.x === undefined ? undefined : BigInt(change.x);
      const newer = tx !== undefined && tx > this.#newestTx;
      this.#announcing = newer ? { tx: change.x!, keys: new Set() } : undefined;
      if (newer) this.#newestTx = tx;
    }
    if (this.#announcing && !this.#announcing.keys.has(echo)) {
      this.#announcing.keys.add(echo);
      this.#echo = echo;
    }
    const stored = { value: change.v, serialization: change.s, offset: change.o };
    for (const handler of this.#subscribers.get(`${keyChannel}|${change.w}`) ?? [])
      handler(change.k, stored);
  }

  /** Whether the trigger that announces workflows' ends exists (any role may read the catalog). */
  async #checkEnds(client: pg.Client) {
    const { rows } = await client.query<{ present: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = $1 AND tgenabled <> 'D') AS present",
      [WORKFLOW_ENDED_TRIGGER],
    );
    this.#ends = {
      announced: rows[0]?.present === true,
      checkAt: performance.now() + ENDS_RETRY_MS,
    };
  }

  /** A workflow ended: its every subscriber reads (its status, and what it wrote last). */
  #ended(workflowId: string | undefined) {
    if (!workflowId) return;
    for (const channel of Object.values(CHANNELS))
      for (const handler of this.#subscribers.get(`${channel}|${workflowId}`) ?? [])
        handler(undefined);
  }

  /**
   * A workflow's receive began or ended: its events subscribers read (a live feed shows what it
   * waits for). Unsigned, as it carries nothing but a reason to read committed state.
   */
  #receiveChanged(workflowId: string | undefined) {
    if (!workflowId) return;
    for (const handler of this.#subscribers.get(`${CHANNELS.events}|${workflowId}`) ?? [])
      handler(undefined);
  }

  #dispatch(channel: string, payload: string | undefined) {
    if (!payload) return;
    // IDs and keys may themselves contain "::": try every split, a subscriber matches one.
    for (let at = payload.indexOf("::"); at >= 0; at = payload.indexOf("::", at + 1)) {
      const handlers = this.#subscribers.get(`${channel}|${payload.slice(0, at)}`);
      for (const handler of handlers ?? []) handler(payload.slice(at + 2));
    }
  }

  #wakeAll() {
    for (const handlers of [...this.#subscribers.values(), ...this.#channels.values()])
      for (const handler of handlers) handler(undefined);
  }

  #lost(client: pg.Client) {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#echo = undefined;
    this.#announcing = undefined;
    void client.end().catch(() => {});
    // Waiters fall back to polling meanwhile; wake them so they re-read now.
    this.#wakeAll();
    this.#scheduleReconnect();
  }

  /** One retry of `ready()` after the current delay, which doubles for the next one. */
  #scheduleReconnect() {
    if (this.#closed || this.#retryTimer) return;
    if (this.#subscribers.size === 0 && this.#channels.size === 0) return;
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, this.#options.maxReconnectDelayMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      // A failure schedules the next retry itself (see `ready`).
      this.ready().catch(() => {});
    }, delay);
  }
}
