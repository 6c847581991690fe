/**
 * What the page reads and sends on a review: the `document-review` kind's names
 * (packages/core/src/kinds/document-review.ts), stated once for the backend, which puts them in
 * the token's scope, and for the page, which follows and sends on them. Not imported from
 * `@wfc/core`: that module would pull the kind's schemas (zod) into the page's bundle.
 */
export const REVIEW = {
  kind: "document-review",
  events: ["progress", "state"],
  stream: "audit_log",
  topic: "review",
} as const;
