import type pg from "pg";
import type { BenchArgs } from "../args.js";
import type { Row } from "../report.js";
import { NOT_RUN } from "../stats.js";
import { measureTokenCheck } from "../tokens.js";

type TokenCheck = Awaited<ReturnType<typeof measureTokenCheck>>;

/** Measures a token's check next to an API key's when the tokens group runs. */
export async function measureTokens(
  run: BenchArgs,
  admin: pg.Pool,
  adminUrl: string,
): Promise<TokenCheck> {
  if (!run.wanted("tokens")) return { key: NOT_RUN, token: NOT_RUN, uncached: NOT_RUN };
  console.log("  a token's check next to an API key's");
  return measureTokenCheck(admin, adminUrl, run.quick ? 50 : 500);
}

/** A status read with an API key, with a capability token, and with its revocation not cached. */
export function tokenRows(tokenCheck: TokenCheck): Row[] {
  return [
    {
      metric: "GET /workflows/{id} in process, with an API key",
      unit: "ms",
      tuned: tokenCheck.key,
    },
    {
      metric: "GET /workflows/{id} in process, with a capability token",
      unit: "ms",
      tuned: tokenCheck.token,
      target: "<= the API key's p50 + 0.2",
      met: tokenCheck.token.p50 <= tokenCheck.key.p50 + 0.2,
    },
    {
      metric: "GET /workflows/{id} in process, with a token, its revocation not cached",
      unit: "ms",
      tuned: tokenCheck.uncached,
    },
  ];
}
