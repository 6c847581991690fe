import { decodeValue, isStreamEnd } from "./decode.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/** A row of DBOS's streams table, as the readers select it. */
interface StreamRow {
  offset: number;
  value: string | null;
  serialization: string | null;
}

export interface StreamSnapshot {
  /** Values from `offset` on, in order. */
  values: unknown[];
  /** Offset of the first value returned. */
  offset: number;
  /** True once the workflow has closed the stream: no value will follow. */
  closed: boolean;
}

/**
 * Reads what a stream holds now, without waiting (the SDK's reader blocks until the stream
 * closes). Offsets start at 0 without gaps.
 * @param offset - first offset to return (default 0).
 */
export async function readStreamSnapshot(
  db: Queryable,
  workflowId: string,
  key: string,
  offset = 0,
): Promise<StreamSnapshot> {
  // The stream's last row too, wherever it is: a reader past the end (its offset beyond the
  // close marker) must still learn that the stream is closed, or a poller never stops.
  const { rows } = await db.query<StreamRow>(
    `SELECT "offset", value, serialization FROM ${DBOS_SCHEMA}.streams
      WHERE workflow_uuid = $1 AND key = $2
        AND ("offset" >= $3 OR "offset" = (SELECT max("offset") FROM ${DBOS_SCHEMA}.streams
                                            WHERE workflow_uuid = $1 AND key = $2))
      ORDER BY "offset"`,
    [workflowId, key, offset],
  );
  const values: unknown[] = [];
  for (const row of rows) {
    if (await isStreamEnd(row.value, row.serialization)) return { values, offset, closed: true };
    if (Number(row.offset) >= offset) values.push(await decodeValue(row.value, row.serialization));
  }
  return { values, offset, closed: false };
}

/**
 * A stream's last `count` values (fewer when it holds fewer), oldest first: the snapshot from the
 * offset where they begin. Reads backwards along the primary key, one row more for the close
 * marker, which is the stream's last row when there is one.
 */
export async function readStreamTail(
  db: Queryable,
  workflowId: string,
  key: string,
  count: number,
): Promise<StreamSnapshot> {
  const { rows } = await db.query<StreamRow>(
    `SELECT "offset", value, serialization FROM ${DBOS_SCHEMA}.streams
      WHERE workflow_uuid = $1 AND key = $2
      ORDER BY "offset" DESC LIMIT $3`,
    [workflowId, key, count + 1],
  );
  const closed = rows[0] !== undefined && (await isStreamEnd(rows[0].value, rows[0].serialization));
  const kept = rows
    .slice(closed ? 1 : 0)
    .slice(0, count)
    .reverse();
  const values = await Promise.all(kept.map((row) => decodeValue(row.value, row.serialization)));
  return { values, offset: kept[0] === undefined ? 0 : Number(kept[0].offset), closed };
}
