import type pg from "pg";

/** Creates the database `name` on the server of `adminUrl`; returns its URL. */
export async function createDatabase(admin: pg.Pool, adminUrl: string, name: string) {
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
