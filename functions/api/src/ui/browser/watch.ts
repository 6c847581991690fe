import type { DashboardKind } from "../dashboard-kind.js";
import { showLog } from "./log.js";
import { watchProgress } from "./progress.js";

/** Opens what the page shows of a workflow of this kind as it runs: its bar, its log. */
export function watch(id: string, kind: DashboardKind) {
  if (kind.progress) watchProgress(id, kind.progress);
  if (kind.log) showLog(id, kind.log.stream);
}
