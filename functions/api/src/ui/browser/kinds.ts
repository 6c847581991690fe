import type { DashboardKind } from "../dashboard-kind.js";

/**
 * What the page can start and show, per kind: embedded by the server ahead of this bundle
 * (`dashboardScript`), as a global of the page.
 */
declare const KINDS: readonly DashboardKind[];

export const kinds = KINDS;

/** The kind of a listed workflow, when it is one the page can start. */
export const kindOf = (workflow: { kind: string | null }) =>
  kinds.find((kind) => kind.name === workflow.kind);
