import { expect, it } from "vitest";
import { KEY, type DashboardStack } from "../support/dashboard-stack.js";

/** The key, the list, a bar, an approval: what a user does first. */
export function workflowTests(ctx: DashboardStack) {
  it("loads without a key, asks for one when the API requires it, then lists workflows", async () => {
    const { page, base } = ctx;
    await page.goto(`${base}/ui`);
    await expect.poll(() => page.getByText("This API requires a key.").isVisible()).toBe(true);
    await page.getByLabel("API key", { exact: true }).fill(KEY);
    await page.getByRole("button", { name: "Use key" }).click();
    await expect
      .poll(() => page.getByRole("region", { name: "API key required" }).isVisible())
      .toBe(false);
    await expect
      .poll(() => page.getByRole("columnheader", { name: "Kind" }).isVisible())
      .toBe(true);
  });

  it("starts an events workflow and shows its bar reaching 100 % and completed", async () => {
    const { page, start } = ctx;
    const id = await start("events", 3);
    const bar = page.getByRole("progressbar", { name: `Progress of ${id}` });
    await expect.poll(() => bar.getAttribute("aria-valuenow"), { timeout: 20_000 }).toBe("100");
    const item = page.locator("#progress li", { has: bar });
    await expect.poll(() => item.locator(".status").textContent()).toBe("completed");
    const fill = await bar.locator("div").evaluate((node) => (node as any).style.width as string);
    expect(fill).toBe("100%");
    const row = page.getByRole("row", { name: new RegExp(id) });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain("SUCCESS");
  });

  it("lists a waiting messaging workflow and approves it with a message, from the keyboard", async () => {
    const { page, start } = ctx;
    const id = await start("messaging", 2);
    const approve = page.getByRole("button", { name: `Approve ${id}` });
    await expect.poll(() => approve.isVisible(), { timeout: 10_000 }).toBe(true);
    await page.locator(`#approvals li[data-id="${id}"]`).getByLabel("Message").fill("ship it");
    await approve.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("status").textContent()).toBe(`Approved ${id}`);
    const row = page.getByRole("row", { name: new RegExp(id) });
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("SUCCESS");
    expect(await approve.count()).toBe(0);
  });
}
