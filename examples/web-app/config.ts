import * as z from "zod";

/** The example backend's settings, read once from the environment it shares with `npm start`. */
const schema = z.object({
  // Its own port: another origin than the API's, as a real web app's would be.
  EXAMPLE_PORT: z.coerce.number().int().min(1).max(65535).default(8010),
  // Where the API is; npm start's PORT, so one exported PORT moves both.
  API_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(8000),
  // Required: the backend mints tokens the API must verify, so both hold the same ring.
  TOKEN_KEYS: z.string({
    error: "is required: export the same TOKEN_KEYS for npm start and this example",
  }),
  // The first key, as a client of a stack rotating its keys sends the newest; unset: an open API.
  API_KEYS: z.string().optional(),
  // Short, so the page's refresh through getToken is seen working; at most 24 h (the API's cap).
  TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(120),
  REVIEW_PAGES: z.coerce.number().int().min(1).max(50).default(8),
});

export interface ExampleConfig {
  port: number;
  apiUrl: string;
  tokenKeys: string;
  apiKey: string | undefined;
  tokenTtlSeconds: number;
  reviewPages: number;
}

/** Parses the settings. @throws Error naming each bad variable, never a value. */
export function exampleConfig(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = schema.safeParse(set);
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; "));
  const c = parsed.data;
  return {
    port: c.EXAMPLE_PORT,
    apiUrl: (c.API_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ""),
    tokenKeys: c.TOKEN_KEYS,
    apiKey: c.API_KEYS?.split(",")
      .map((key) => key.trim())
      .find(Boolean),
    tokenTtlSeconds: c.TOKEN_TTL_SECONDS,
    reviewPages: c.REVIEW_PAGES,
  };
}
