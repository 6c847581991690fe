import { describe, expect, it } from "vitest";
import { kindTests } from "./dashboard/kinds.js";
import { layoutTests } from "./dashboard/layout.js";
import { liveLogTests } from "./dashboard/live-log.js";
import { policyTests } from "./dashboard/policy.js";
import { workflowTests } from "./dashboard/workflows.js";
import { dashboardStack, installed } from "./support/dashboard-stack.js";

// One stack and one browser for every concern (./dashboard/*.ts), in this order: the tests drive
// one page in turn, and the last one checks that nothing they did was refused by its policy.
const ctx = dashboardStack();

describe.skipIf(!installed)("the dashboard at /ui, in Chromium", () => {
  workflowTests(ctx);
  liveLogTests(ctx);
  kindTests(ctx);
  layoutTests(ctx);

  it("did all of the above without one refusal of its Content-Security-Policy", () => {
    const { page, refusals } = ctx;
    expect(refusals.get(page)).toEqual([]);
  });
});

describe.skipIf(!installed)("the pages' Content-Security-Policy, in Chromium", () => {
  policyTests(ctx);
});
