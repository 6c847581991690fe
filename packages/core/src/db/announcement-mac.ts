import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { WFC_SCHEMA, type Queryable } from "./queryable.js";

/**
 * The key the notify triggers sign value announcements with (HMAC-SHA256, RFC 2104). Only the
 * role that creates it (the worker's) can read it: any role may `pg_notify` on any channel, and
 * PostgreSQL does not say who sent a notification, so a value announcement is believed only when
 * its MAC proves the trigger, inside the writing transaction, sent it. The table holds the key
 * and its two padded forms (key XOR ipad, key XOR opad), so SQL signs with two `sha256` calls
 * and needs no extension.
 */
export const ANNOUNCEMENT_KEY_TABLE = `${WFC_SCHEMA}.announcement_key`;

const BLOCK_BYTES = 64;
const KEY_BYTES = 32;
const MAC_HEX_LENGTH = 64;
/** A signed payload ends with this, the MAC in lower-case hex, and `"}`. */
const MAC_FIELD = ',"m":"';
const MAC_SUFFIX_LENGTH = MAC_FIELD.length + MAC_HEX_LENGTH + 2;

/** How many bytes signing adds to a payload. */
export const MAC_SUFFIX_BYTES = MAC_SUFFIX_LENGTH;

/**
 * Creates the key once (a random one, under the caller's creation lock, so workers starting
 * together agree on it). Grants nothing: the API's role gets no privilege on it.
 */
export async function createAnnouncementKey(db: Queryable) {
  await db.query(`CREATE TABLE IF NOT EXISTS ${ANNOUNCEMENT_KEY_TABLE} (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    key bytea NOT NULL,
    inner_pad bytea NOT NULL,
    outer_pad bytea NOT NULL
  )`);
  await db.query(`REVOKE ALL ON ${ANNOUNCEMENT_KEY_TABLE} FROM PUBLIC`);
  const key = randomBytes(KEY_BYTES);
  const pad = (byte: number) => {
    const padded = Buffer.alloc(BLOCK_BYTES, byte);
    for (const [i, b] of key.entries()) padded[i] = b ^ byte;
    return padded;
  };
  await db.query(
    `INSERT INTO ${ANNOUNCEMENT_KEY_TABLE} (key, inner_pad, outer_pad) VALUES ($1, $2, $3)
     ON CONFLICT (one) DO NOTHING`,
    [key, pad(0x36), pad(0x5c)],
  );
}

/**
 * PL/pgSQL that signs `payload` (a JSON object's text, a variable) for `channel` in place, when
 * `pads` (a record variable) holds a row of `ANNOUNCEMENT_KEY_TABLE`'s pads. The MAC covers the
 * channel too, so a genuine stream announcement cannot be replayed as an event one.
 */
export function signPayloadSql(payload: string, channel: string, pads: string) {
  const message = `convert_to(${channel} || E'\\n' || ${payload}, 'UTF8')`;
  const mac = `sha256(${pads}.outer_pad || sha256(${pads}.inner_pad || ${message}))`;
  return `${payload} := left(${payload}, -1) || '${MAC_FIELD}' || encode(${mac}, 'hex') || '"}';`;
}

/**
 * The signed JSON text of an announcement on `channel` whose MAC is `key`'s (compared in
 * constant time); undefined when it is unsigned or the MAC is wrong: then it proves nothing.
 */
export function verifiedAnnouncement(
  key: Buffer,
  channel: string,
  payload: string,
): string | undefined {
  const at = payload.length - MAC_SUFFIX_LENGTH;
  if (at < 0 || !payload.endsWith('"}') || !payload.startsWith(MAC_FIELD, at)) return undefined;
  const mac = Buffer.from(payload.slice(at + MAC_FIELD.length, -2), "hex");
  if (mac.length !== MAC_HEX_LENGTH / 2) return undefined;
  const body = `${payload.slice(0, at)}}`;
  const expected = createHmac("sha256", key).update(`${channel}\n${body}`, "utf8").digest();
  return timingSafeEqual(mac, expected) ? body : undefined;
}

/**
 * The announcement key, when this connection's role may read it. `retry` says whether it may
 * appear later (not created yet), as opposed to being kept from this role.
 */
export async function readAnnouncementKey(
  db: Queryable,
): Promise<{ key: Buffer } | { key: undefined; retry: boolean }> {
  // Asked first, so a role without the privilege (the API's) causes no error in the server log.
  const { rows } = await db.query<{ readable: boolean | null }>(
    "SELECT has_table_privilege(to_regclass($1), 'SELECT') AS readable",
    [ANNOUNCEMENT_KEY_TABLE],
  );
  const readable = rows[0]?.readable;
  if (!readable) return { key: undefined, retry: readable === null };
  const { rows: keys } = await db.query<{ key: Buffer }>(
    `SELECT key FROM ${ANNOUNCEMENT_KEY_TABLE}`,
  );
  const key = keys[0]?.key;
  return key ? { key } : { key: undefined, retry: true };
}
