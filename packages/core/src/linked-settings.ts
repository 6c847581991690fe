import { z } from "zod";
import { ConfigError } from "./config/parse.js";

/**
 * The names under which the infrastructure (sst.config.ts) links resources into the API and the
 * worker, and the environment variable each one stands for. Core never imports SST: the entry
 * points pass SST's `Resource` object in, and the infra test checks these names are linked.
 */
export const LINKS = {
  /**
   * `sst.aws.Postgres`, the master user: `{ host, port, username, password, database }`. The
   * worker's under `sst dev` and `npm start` (deployed, it gets a URL as an ECS secret).
   */
  database: "Database",
  /**
   * The API's: an `sst.Linkable` of the same fields, as the API's own database role, through the
   * RDS proxy in production.
   */
  apiDatabase: "ApiDatabase",
  /** `sst.Secret`s: `{ value }`. */
  apiKeys: "ApiKeys",
  webhookSecret: "WebhookSecret",
  /** The capability tokens' key ring (`TOKEN_KEYS`). */
  tokenKeys: "TokenKeys",
  /** An `sst.Linkable` `{ value }`: the API's `CHANGE_RELAY_SECRET` (infra/relay-secret.ts). */
  changeRelaySecret: "ChangeRelaySecret",
} as const;

const linkedPostgres = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  username: z.string().min(1),
  password: z.string(),
  database: z.string().min(1),
});

const linkedSecret = z.object({ value: z.string() });

type Env = Record<string, string | undefined>;

function parseLink<T extends z.ZodType>(schema: T, name: string, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => `linked resource ${[name, ...i.path].join(".")} ${i.message}`),
  );
}

/** A `postgres://` connection string from a linked Postgres resource's fields. */
export function postgresUrlFromLink(name: string, value: unknown): string {
  const db = parseLink(linkedPostgres, name, value);
  const user = encodeURIComponent(db.username);
  const password = encodeURIComponent(db.password);
  return `postgresql://${user}:${password}@${db.host}:${db.port}/${encodeURIComponent(db.database)}`;
}

/** The secrets SST links to a process, and the setting each one becomes. */
const SECRET_SETTINGS = [
  [LINKS.apiKeys, "API_KEYS"],
  [LINKS.webhookSecret, "WEBHOOK_SECRET"],
  [LINKS.tokenKeys, "TOKEN_KEYS"],
  [LINKS.changeRelaySecret, "CHANGE_RELAY_SECRET"],
] as const;

/**
 * Merges what SST links into a process (`Resource` from "sst": on Lambda decrypted from the
 * bundle, under `sst dev` or `npm start` read from `SST_RESOURCE_*` variables) with its
 * environment. The database is the API's link when present (only the API has it), otherwise the
 * master `Database`. A variable that is set (non-empty) wins over the linked value, so
 * `DBOS_SYSTEM_DATABASE_URL` always overrides the linked database.
 * @throws ConfigError when a linked resource is present but malformed.
 */
export function withLinkedSettings(env: Env, links: Record<string, unknown>): Env {
  const linked: Env = {};
  const database = [LINKS.apiDatabase, LINKS.database].find((name) => name in links);
  if (database) {
    linked.DBOS_SYSTEM_DATABASE_URL = postgresUrlFromLink(database, links[database]);
  }
  for (const [link, setting] of SECRET_SETTINGS) {
    if (link in links) linked[setting] = parseLink(linkedSecret, link, links[link]).value;
  }
  const set = Object.entries(env).filter(([, v]) => v !== undefined && v !== "");
  return { ...linked, ...Object.fromEntries(set) };
}
