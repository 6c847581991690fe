import { AppError } from "@wfc/core";
import type { Context } from "hono";
import { accepts } from "hono/accepts";
import { HTTPException } from "hono/http-exception";
import { STATUS } from "../errors.js";
import { pagePolicy } from "../page-policy.js";
import { LinkOutcome } from "./page.js";
import { LINK_STYLES } from "./styles.js";

/** The page's own policy: its one inline stylesheet, no script at all, forms to itself only. */
const POLICY = pagePolicy({ inlineStyles: [LINK_STYLES] }).replace(
  "script-src 'self'",
  "script-src 'none'",
);

/** What a page says above the detail, by status. */
const TITLES: Record<number, string> = {
  403: "This link cannot do that",
  404: "Nothing to decide here",
  409: "This decision is closed",
  410: "This link can no longer be used",
  413: "Your answer is too long",
  422: "Your answer could not be read",
};

const wantsJson = (c: Context) =>
  accepts(c, {
    header: "Accept",
    supports: ["text/html", "application/json"],
    default: "text/html",
  }) === "application/json";

/**
 * Answers a link route: `work`'s JSON, or its page (HTML unless the client asks for JSON), and
 * each refusal as a page (or `{"detail"}`) with its status. Link pages are never cached: each
 * holds a credential in its URL and a state that changes once.
 */
export async function answer(
  c: Context,
  work: () => Promise<{ json: Record<string, unknown>; page: () => unknown }>,
) {
  c.header("cache-control", "no-store");
  c.header("content-security-policy", POLICY);
  let status: number;
  let detail: string;
  try {
    const { json, page } = await work();
    return wantsJson(c) ? c.json(json) : c.html(`<!doctype html>${await page()}`);
  } catch (error) {
    if (error instanceof AppError) status = STATUS[error.code];
    else if (error instanceof HTTPException && !error.res) status = error.status;
    else throw error;
    detail = error.message;
  }
  if (wantsJson(c)) return c.json({ detail }, status as 403);
  const page = LinkOutcome({
    title: TITLES[status] ?? "This link cannot be used",
    detail,
    alert: true,
  });
  return c.html(`<!doctype html>${await page}`, status as 403);
}
