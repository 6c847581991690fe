import { BROWSER_BUNDLE } from "./browser-bundle.gen.js";
import type { DashboardKind } from "./dashboard-kind.js";

/**
 * The dashboard's script as served: `kinds` as the page's global `KINDS` (see `browser/kinds.ts`),
 * then the bundle of `browser/` (scripts/bundle-dashboard.ts). The bundle is generic, so one
 * build serves any set of kinds.
 */
export const dashboardScript = (kinds: DashboardKind[]) =>
  `"use strict";\nconst KINDS = ${JSON.stringify(kinds)};\n${BROWSER_BUNDLE}`;
