import type pg from "pg";
import { ChangeFeed } from "./change-feed.js";
import { POLL_ONLY } from "./change-source.js";
import { relayWaits, type RelayTarget } from "./relay/client.js";
import { localWaits, type LocalWaitsOptions, type Waits } from "./waits.js";

/**
 * How a process that serves requests (the API) has its waits delivered. The one place that
 * picks among the deliveries: add a new one here (see README.md, "Adding a delivery").
 */
export interface WaitsDeliveryOptions extends Omit<LocalWaitsOptions, "pool" | "changes"> {
  /** The pool of this process's own reads (called per wait: it may be created lazily). */
  pool: () => pg.Pool;
  /** Where this process LISTENs when it delivers its waits itself. */
  databaseUrl: string;
  /** The LISTEN connection's `application_name`. */
  applicationName: string;
  /**
   * The change relay that answers waits (`CHANGE_RELAY_URL`): this process then opens no LISTEN
   * and holds no database connection while it waits, and reads itself only when the relay is
   * lost. Unset, this process LISTENs itself.
   */
  relay?: RelayTarget;
}

export interface WaitsDelivery {
  /** The waits, on the current pool. */
  waits(): Waits;
  /** Closes what the delivery opened (its LISTEN connection). */
  close(): Promise<void>;
}

/**
 * Picks how waits are delivered: through the change relay when one is given, else on one LISTEN
 * connection shared by every waiter of this process (`ChangeFeed`). Every remote delivery falls
 * back to reads of this process's own, polling, from where it left off.
 */
export function createWaits(options: WaitsDeliveryOptions): WaitsDelivery {
  const { pool, databaseUrl, applicationName, relay, ...local } = options;
  // Our own LISTEN only without a relay: through a pooler it would be pinned or lost.
  const feed = relay
    ? undefined
    : new ChangeFeed({ connectionString: databaseUrl, applicationName });
  return {
    waits() {
      const here = localWaits({ ...local, pool: pool(), changes: feed ?? POLL_ONLY });
      return relay ? relayWaits(relay, here) : here;
    },
    close: async () => {
      await feed?.close();
    },
  };
}
