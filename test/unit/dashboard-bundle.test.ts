import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dashboardKinds } from "../../functions/api/src/ui/kinds.js";
import { dashboardScript } from "../../functions/api/src/ui/script.js";
import { bundleDashboard } from "../../scripts/bundle-dashboard.js";

describe("the dashboard's script", () => {
  it("is bundled from its browser modules into one classic script, written as a string export", () => {
    const file = join(mkdtempSync(join(tmpdir(), "wfc-ui-bundle-")), "bundle.gen.ts");
    const code = bundleDashboard(file);
    // A classic script (what `<script src>` runs): a module's import or export would not parse.
    expect(() => new Function(code)).not.toThrow();
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(readFileSync(file, "utf8")).toContain(
      `export const BROWSER_BUNDLE = ${JSON.stringify(code)};`,
    );
  });

  it("is served with the kinds as the page's global KINDS, ahead of the bundle", () => {
    const kinds = dashboardKinds();
    const script = dashboardScript(kinds);
    expect(script.startsWith(`"use strict";\nconst KINDS = ${JSON.stringify(kinds)};\n`)).toBe(
      true,
    );
    expect(() => new Function(script)).not.toThrow();
  });
});
