import type { ApprovalChoice } from "@wfc/core";
import { raw } from "hono/html";
import { LINK_STYLES } from "./styles.js";

/** Longest note a person may add to an answer. */
export const MAX_NOTE_LENGTH = 2000;

/** What the page of a link that can be answered shows. */
export interface LinkFormProps {
  question: string;
  summary?: string;
  choices: readonly ApprovalChoice[];
  recipient?: string;
  /** ISO 8601. */
  expiresAt: string;
  /** Whether the workflow waits on the link's topic now (otherwise the answer waits for it). */
  waiting: boolean;
}

function Document({ title, children }: { title: string; children: unknown }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{title}</title>
        <style>{raw(LINK_STYLES)}</style>
      </head>
      <body>
        <main>{children}</main>
      </body>
    </html>
  );
}

/**
 * The question and one button per choice, in a form posted to the page's own URL: it works
 * without JavaScript (the page runs none), and opening it (a mail scanner's GET) sends nothing.
 */
export function LinkForm(props: LinkFormProps) {
  const expires = new Date(props.expiresAt).toUTCString();
  return (
    <Document title={props.question}>
      <h1>{props.question}</h1>
      {props.summary !== undefined && <p class="summary">{props.summary}</p>}
      <p class="meta">
        {props.recipient !== undefined && <>For {props.recipient}. </>}
        This link works once, until {expires}.
        {!props.waiting && <> The workflow is not asking yet: it gets your answer when it does.</>}
      </p>
      <form method="post">
        <label for="note">Note (optional)</label>
        <textarea id="note" name="note" maxlength={MAX_NOTE_LENGTH}></textarea>
        <fieldset>
          <legend>Your answer</legend>
          <div class="choices">
            {props.choices.map((choice) => (
              <button
                type="submit"
                name="choice"
                value={choice.name}
                class={choice.reject ? "reject" : undefined}
              >
                {choice.label}
              </button>
            ))}
          </div>
        </fieldset>
      </form>
    </Document>
  );
}

/** The one thing a page has to say: the answer was sent, or why the link does nothing. */
export function LinkOutcome({
  title,
  detail,
  alert,
}: {
  title: string;
  detail: string;
  alert: boolean;
}) {
  return (
    <Document title={title}>
      <div class="outcome" role={alert ? "alert" : "status"}>
        <h1>{title}</h1>
        <p>{detail}</p>
      </div>
    </Document>
  );
}
