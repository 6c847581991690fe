import type { KindNamed } from "@wfc/core/contracts";

/** The kind's declaration, for the compiler only (a type import: nothing reaches the bundle). */
type Declared = KindNamed<"document-review">;

/**
 * What the page reads and sends on a review, stated once for the backend (the token's scope)
 * and the page (what it follows and sends on). Each name is checked against the
 * `document-review` kind's declaration: a renamed event, stream or topic fails `npm run
 * typecheck`. Not imported as values from `@wfc/core`: that would pull the kind's schemas (zod)
 * into the page's bundle.
 */
export const REVIEW = {
  kind: "document-review",
  events: ["progress", "state"],
  stream: "audit_log",
  topic: "review",
} as const satisfies {
  kind: Declared["name"];
  events: readonly Declared["events"][number][];
  stream: Declared["streams"][number];
  topic: Declared["topics"][number];
};
