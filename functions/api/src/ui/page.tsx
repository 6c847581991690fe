import { article } from "@wfc/core";
import { raw } from "hono/html";
import type { DashboardKind } from "./kinds.js";
import { STYLES } from "./styles.js";

/** Where the client script is served (see `routes/ui.ts`). */
export const SCRIPT_PATH = "/ui/app.js";

/** "an events workflow", "a streaming or messaging workflow": the kinds that show a panel. */
function some(kinds: DashboardKind[]) {
  const names = kinds.map((k) => k.name).join(" or ");
  return `${article(names)} ${names} workflow`;
}

/**
 * The dashboard's markup. Static: every list (the start form's kinds and inputs too) is filled
 * in by the client script, which talks to the same API a curl user does, so the page needs no
 * server-side state and no key to load. `kinds` only words the empty panels, and hides those no
 * kind uses.
 */
export function Page({ kinds }: { kinds: DashboardKind[] }) {
  const answered = kinds.filter((k) => k.actions.length > 0);
  const progressed = kinds.filter((k) => k.progress);
  const logged = kinds.filter((k) => k.log);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Workflows dashboard</title>
        <style>{raw(STYLES)}</style>
        <script src={SCRIPT_PATH} defer></script>
      </head>
      <body>
        <header>
          <h1>Workflows dashboard</h1>
          <p id="notice" role="status" aria-live="polite"></p>
        </header>
        <main>
          <section id="key-section" class="wide" hidden aria-labelledby="key-title">
            <h2 id="key-title">API key required</h2>
            <p id="key-reason">This API requires a key.</p>
            <form id="key-form">
              <label>
                API key
                <input id="key-input" type="password" autocomplete="off" required />
              </label>
              <button type="submit">Use key</button>
            </form>
          </section>
          <section aria-labelledby="start-title">
            <h2 id="start-title">Start a workflow</h2>
            <form id="start-form">
              <label>
                Kind
                <select id="start-kind"></select>
              </label>
              <span id="start-inputs" class="inputs"></span>
              <button type="submit">Start</button>
            </form>
          </section>
          <section aria-labelledby="approvals-title" hidden={answered.length === 0}>
            <h2 id="approvals-title">Waiting for approval</h2>
            <p id="approvals-empty" class="meta">
              No {answered.map((k) => k.name).join(" or ")} workflow is waiting.
            </p>
            <ul id="approvals" class="plain"></ul>
          </section>
          <section aria-labelledby="progress-title" hidden={progressed.length === 0}>
            <h2 id="progress-title">Progress</h2>
            <p id="progress-empty" class="meta">
              Start {some(progressed)} to watch its progress.
            </p>
            <ul id="progress" class="plain"></ul>
          </section>
          <section aria-labelledby="log-title" hidden={logged.length === 0}>
            <h2 id="log-title">Live log</h2>
            <p id="log-source" class="meta">
              Start {some(logged)} to follow its log.
            </p>
            <ol id="log" class="log" aria-live="polite"></ol>
          </section>
          <section class="wide" aria-labelledby="list-title">
            <h2 id="list-title">Recent workflows</h2>
            <div class="table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Workflow</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Status</th>
                    <th scope="col">Age</th>
                    <th scope="col">
                      <span class="meta">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody id="workflows"></tbody>
              </table>
            </div>
          </section>
        </main>
      </body>
    </html>
  );
}
