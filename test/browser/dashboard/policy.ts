import { expect, it } from "vitest";
import type { DashboardStack } from "../support/dashboard-stack.js";

/** The pages' Content-Security-Policy, tried: what it refuses, and that it refuses nothing of theirs. */
export function policyTests(ctx: DashboardStack) {
  it("keeps scripts out of the dashboard unless they are its own file: injected ones do not run", async () => {
    const { base, openPage } = ctx;
    const ui = await openPage();
    try {
      const response = await ui.goto(`${base}/ui`);
      const policy = response!.headers()["content-security-policy"] ?? "";
      expect(policy).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(policy).toMatch(/(^|; )object-src 'none'(;|$)/);
      expect(policy).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
      expect(policy).not.toContain("unsafe");
      expect(response!.headers()).toMatchObject({
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      });
      await expect.poll(() => ui.getByText("This API requires a key.").isVisible()).toBe(true);
      const attempt = await ui.evaluate(async () => {
        const w = globalThis as any;
        const refused: string[] = [];
        w.document.addEventListener("securitypolicyviolation", (event: any) =>
          refused.push(event.effectiveDirective),
        );
        const script = w.document.createElement("script");
        script.textContent = "window.injected = 'script'";
        w.document.body.append(script);
        const holder = w.document.createElement("div");
        holder.innerHTML = `<img src="/ui/missing.png" onerror="window.injected = 'handler'">`;
        w.document.body.append(holder);
        // Violations are reported as tasks of their own: wait until both have been.
        while (refused.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
        return { injected: w.injected ?? null, refused: refused.sort() };
      });
      expect(attempt).toEqual({ injected: null, refused: ["script-src-attr", "script-src-elem"] });
    } finally {
      await ui.close();
    }
  });

  it("serves the docs page whole from its own origin, without a refusal", async () => {
    const { base, refusals, openPage } = ctx;
    const docs = await openPage();
    const origins = new Set<string>();
    docs.on("request", (request) => origins.add(new URL(request.url()).origin));
    try {
      const response = await docs.goto(`${base}/docs`);
      expect(response!.headers()["content-security-policy"]).toMatch(/script-src 'self'(;|$)/);
      const operation = docs.getByText("/start-workflow-events/{workflow_id}/{n_steps}").first();
      await expect.poll(() => operation.isVisible(), { timeout: 20_000 }).toBe(true);
      expect(refusals.get(docs)).toEqual([]);
      expect([...origins]).toEqual([base]);
    } finally {
      await docs.close();
    }
  });
}
