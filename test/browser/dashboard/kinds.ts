import { KINDS, type AnyKind } from "@wfc/core";
import { expect, it } from "vitest";
import { dashboardKinds } from "../../../functions/api/src/ui/kinds.js";
import { SCRIPT_PATH } from "../../../functions/api/src/ui/page.js";
import { dashboardScript } from "../../../functions/api/src/ui/script.js";
import { surveyKind } from "../../support/survey-kind.js";
import type { DashboardStack } from "../support/dashboard-stack.js";

const startable = (KINDS as readonly AnyKind[]).filter((kind) => kind.startable);

/** The declared kinds plus `survey`, and messaging with a third button that also approves. */
function alteredKinds() {
  const escalate = {
    label: "Escalate",
    topic: "notification",
    message: { approved: true, escalated: true },
    done: "Escalated",
  };
  return dashboardKinds(
    [...startable, surveyKind].map((kind) =>
      kind.name === "messaging"
        ? {
            ...kind,
            dashboard: { ...kind.dashboard, actions: [...kind.dashboard!.actions!, escalate] },
          }
        : kind,
    ),
  );
}

/** The page as the kinds declare it: the start form's kinds and inputs, a new kind, a new action. */
export function kindTests(ctx: DashboardStack) {
  it("offers every kind a user can start, with one input per start parameter, labelled as declared", async () => {
    const { page, base } = ctx;
    await page.goto(`${base}/ui`);
    const kindSelect = page.getByLabel("Kind");
    const options = await kindSelect
      .locator("option")
      .evaluateAll((items) => items.map((option) => (option as any).value as string));
    // The form fills path segments: a kind started with a JSON body only is not offered.
    const withForm = startable.filter((kind) => kind.pathRoute);
    expect(options).toEqual(withForm.map((kind) => kind.name));
    expect(options).not.toContain("order");
    for (const kind of withForm) {
      await kindSelect.selectOption(kind.name);
      const labels: Record<string, string | undefined> = kind.dashboard?.labels ?? {};
      const params = Object.keys(kind.params.shape);
      expect(await page.locator("#start-inputs label").allTextContents()).toEqual(
        params.map((param) => labels[param] ?? param),
      );
      for (const param of params) {
        const field = page.getByLabel(labels[param] ?? param, { exact: true });
        expect(await field.getAttribute("name")).toBe(param);
      }
    }
    // The bounds and defaults come with the description the script embeds.
    expect(await page.evaluate("KINDS")).toEqual(dashboardKinds());
    expect(await page.getByLabel("Steps").getAttribute("max")).toBe("20");
  });

  it("shows a kind as declared: a new kind's own inputs and start path, a new action's message and notice", async () => {
    const { page, base, start } = ctx;
    const script = dashboardScript(alteredKinds());
    await page.route(`${base}${SCRIPT_PATH}`, (route) =>
      route.fulfill({ contentType: "text/javascript; charset=utf-8", body: script }),
    );
    try {
      await page.goto(`${base}/ui`);
      await page.getByLabel("Kind").selectOption("survey");
      expect(await page.locator("#start-inputs label").allTextContents()).toEqual([
        "region",
        "Rounds",
        "ratio",
        "dry_run",
      ]);
      const rounds = page.getByLabel("Rounds");
      expect(await rounds.getAttribute("min")).toBe("2");
      expect(await rounds.getAttribute("max")).toBe("9");
      expect(await rounds.inputValue()).toBe("3");
      expect(await page.getByLabel("region").inputValue()).toBe("eu west/1");
      const started = page.waitForRequest((r) => r.url().includes("/start-workflow-survey/"));
      await page.getByRole("button", { name: "Start" }).click();
      expect(new URL((await started).url()).pathname).toMatch(
        /^\/start-workflow-survey\/survey-[0-9a-z]+\/eu%20west%2F1\/3\/0\.5\/true$/,
      );
      // The stack has no such kind: its answer is shown.
      await expect.poll(() => page.getByRole("status").textContent()).toMatch(/^Could not start/);

      const id = await start("messaging", 1);
      const escalate = page.getByRole("button", { name: `Escalate ${id}` });
      await expect.poll(() => escalate.isVisible(), { timeout: 10_000 }).toBe(true);
      const sent = page.waitForRequest((r) => r.url().includes(`/send-message/${id}`));
      await escalate.click();
      const request = await sent;
      expect(new URL(request.url()).search).toBe("?topic=notification");
      expect(request.postDataJSON()).toEqual({ approved: true, escalated: true });
      await expect.poll(() => page.getByRole("status").textContent()).toBe(`Escalated ${id}`);
      const row = page.getByRole("row", { name: new RegExp(id) });
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("SUCCESS");
    } finally {
      await page.unroute(`${base}${SCRIPT_PATH}`);
      await page.goto(`${base}/ui`);
    }
  });
}
