import type { QueryResultRow } from "pg";

/** The slice of `pg.Pool` / `pg.Client` the readers need, so either can be passed. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Our own schema in the DBOS system database, next to DBOS's. */
export const WFC_SCHEMA = "wfc";
