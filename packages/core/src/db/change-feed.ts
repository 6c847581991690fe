import { EventEmitter } from "node:events";
import pg from "pg";
import {
  CHANNELS,
  VALUE_CHANNELS,
  type Channel,
  type ChangeHandler,
  type ChangeSource,
} from "./change-source.js";

/** Announced values whose key announcement has not arrived yet; more means they never will. */
const MAX_PENDING_ECHOES = 10_000;

/** Which of DBOS's channels a value channel announces ahead of. */
const KEY_CHANNEL_OF = new Map<string, string>(
  (Object.keys(VALUE_CHANNELS) as Channel[]).map((c) => [VALUE_CHANNELS[c], CHANNELS[c]]),
);

/** An announced value, as `wfc.notify_*_value` sends it. */
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
 */
export class ChangeFeed
  extends EventEmitter<{ listening: [connections: number] }>
  implements ChangeSource
{
  readonly #options: Required<ChangeFeedOptions>;
  readonly #subscribers = new Map<string, Set<ChangeHandler>>();
  readonly #channels = new Map<string, Set<ChangeHandler>>();
  /**
   * `<channel>|<workflowId>::<key>` of each value announced, until the key's own announcement
   * arrives, which is then not passed on (it would only make its waiters read what they were
   * just given).
   */
  readonly #echoes = new Set<string>();
  /**
   * The transaction whose announcements are arriving and the echoes it has begun: PostgreSQL
   * sends a transaction's notifications together and its identical ones once, so a second value
   * of one key in one transaction has no key announcement of its own to wait for.
   */
  #announcing: { tx: string | undefined; echoes: Set<string> } | undefined;
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #delay: number;
  #closed = false;
  #connections = 0;

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

  /** Resolves once LISTEN is active; rejects if the database cannot be reached right now. */
  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("change feed closed"));
    if (this.#client) return Promise.resolve();
    return (this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined)));
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
      const own = this.#channels.get(message.channel);
      if (own) for (const handler of own) handler(message.payload ?? "");
      else {
        const keyChannel = KEY_CHANNEL_OF.get(message.channel);
        if (keyChannel) this.#dispatchValue(keyChannel, message.payload);
        else this.#dispatch(message.channel, message.payload);
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
          ...this.#channels.keys(),
        ].filter((c) => !listened.has(c));
      for (let next = pending(); next.length > 0; next = pending()) {
        for (const channel of next) {
          await client.query(`LISTEN ${channel}`);
          listened.add(channel);
        }
      }
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    const reconnected = this.#connections > 0;
    this.#client = client;
    this.#connections++;
    this.#delay = this.#options.reconnectDelayMs;
    if (reconnected) this.#wakeAll();
    this.emit("listening", this.#connections);
  }

  /** A value written: its key's subscribers get it, and its key's own announcement is echoed. */
  #dispatchValue(keyChannel: string, payload: string | undefined) {
    let change: Announcement;
    try {
      change = JSON.parse(payload ?? "") as Announcement;
    } catch {
      return; // not ours; the key's announcement still wakes the waiters
    }
    const handlers = this.#subscribers.get(`${keyChannel}|${change.w}`);
    if (!handlers) return;
    const echo = `${keyChannel}|${change.w}::${change.k}`;
    // Without a transaction (an older release's trigger), each value is one of its own.
    if (change.x === undefined || this.#announcing?.tx !== change.x)
      this.#announcing = { tx: change.x, echoes: new Set() };
    if (!this.#announcing.echoes.has(echo)) {
      this.#announcing.echoes.add(echo);
      if (this.#echoes.size >= MAX_PENDING_ECHOES) this.#echoes.clear();
      this.#echoes.add(echo);
    }
    const stored = { value: change.v, serialization: change.s, offset: change.o };
    for (const handler of handlers) handler(change.k, stored);
  }

  #dispatch(channel: string, payload: string | undefined) {
    if (!payload) return;
    if (this.#echoes.delete(`${channel}|${payload}`)) return;
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
    this.#echoes.clear();
    this.#announcing = undefined;
    void client.end().catch(() => {});
    // Waiters fall back to polling meanwhile; wake them so they re-read now.
    this.#wakeAll();
    this.#scheduleReconnect();
  }

  #scheduleReconnect() {
    if (this.#closed || this.#retryTimer) return;
    if (this.#subscribers.size === 0 && this.#channels.size === 0) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.ready().catch(() => {
        this.#delay = Math.min(this.#delay * 2, this.#options.maxReconnectDelayMs);
        this.#scheduleReconnect();
      });
    }, this.#delay);
  }
}
