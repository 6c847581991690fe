import { Hono } from "hono";
import { pagePolicy } from "../page-policy.js";
import { dashboardKinds } from "../ui/kinds.js";
import { Page, SCRIPT_PATH } from "../ui/page.js";
import { dashboardScript } from "../ui/script.js";
import { STYLES } from "../ui/styles.js";

/**
 * The dashboard: `/ui` (HTML) and its script, a few kilobytes held in memory, so the Lambda
 * serves it as well as the Node server. Both are open (see `middleware/auth.ts`): they hold no
 * data, and the page asks for a key when the API answers 401. What they show of each kind is
 * derived once, from the declarations. The page's policy admits its script by origin and its one
 * inline stylesheet by hash: nothing injected runs where the page keeps its API key.
 */
export function uiRoutes() {
  const kinds = dashboardKinds();
  const script = dashboardScript(kinds);
  const policy = pagePolicy({ inlineStyles: [STYLES] });
  return new Hono()
    .get("/ui", async (c) => {
      c.header("content-security-policy", policy);
      return c.html(`<!doctype html>${await Page({ kinds })}`);
    })
    .get(SCRIPT_PATH, (c) =>
      c.body(script, 200, {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "no-cache",
      }),
    );
}
