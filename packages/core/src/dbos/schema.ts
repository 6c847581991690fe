/**
 * The schema DBOS keeps its system tables in. Only the files of this folder name it: what they
 * read and write there, and why, is in README.md beside them.
 */
export const DBOS_SCHEMA = "dbos";

export type { Queryable } from "../db/queryable.js";
