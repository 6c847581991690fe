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

/**
 * A status read with an API key; with a capability token this process has verified before (a
 * page's steady state: every request of its life carries the same token); and with one it sees
 * for the first time (its signature verified, its workflow's revocation read).
 */
export function tokenRows(tokenCheck: TokenCheck): Row[] {
  return [
    {
      metric: "GET /workflows/{id} in process, with an API key",
      unit: "ms",
      tuned: tokenCheck.key,
    },
    {
      metric: "GET /workflows/{id} in process, with a capability token seen before",
      unit: "ms",
      tuned: tokenCheck.token,
      target: "<= the API key's p50 + 0.2",
      met: tokenCheck.token.p50 <= tokenCheck.key.p50 + 0.2,
    },
    {
      metric: "GET /workflows/{id} in process, with a token first seen (verified, revocation read)",
      unit: "ms",
      tuned: tokenCheck.uncached,
    },
  ];
}
