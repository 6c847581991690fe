import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { KEY, root, type DashboardStack } from "../support/dashboard-stack.js";

// With DASHBOARD_SCREENSHOT=docs, the run refreshes the dashboard guide's screenshots.
const screenshotDir =
  process.env.DASHBOARD_SCREENSHOT === "docs"
    ? join(root, "docs")
    : mkdtempSync(join(tmpdir(), "wfc-dashboard-"));

/** The page on a phone, as a screenshot, and what reaches the stack's log. */
export function layoutTests(ctx: DashboardStack) {
  it("fits a phone's width, and the key never reaches a log", async () => {
    const { page, start, output } = ctx;
    // A messaging workflow left waiting, so the screenshot shows every panel.
    await start("messaging", 1);
    await page.waitForTimeout(2_500);
    mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, "dashboard.png"), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(
      () => (globalThis as any).document.documentElement.scrollWidth as number,
    );
    expect(overflow).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(screenshotDir, "dashboard-phone.png"), fullPage: true });
    expect(output.join("\n")).not.toContain(KEY);
    console.log(`dashboard screenshot: ${join(screenshotDir, "dashboard.png")}`);
  });
}
