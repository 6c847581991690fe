import { createHash } from "node:crypto";

/** A CSP source that admits an inline block with exactly this text, and nothing else inline. */
export function inlineSource(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

export interface PagePolicyOptions {
  /** Inline `<style>` blocks the page carries, by their exact text (admitted by hash). */
  inlineStyles?: string[];
  /** Image sources besides the page's origin (such as `data:` for a stylesheet's icons). */
  images?: string[];
}

/**
 * The Content-Security-Policy of an HTML page the API serves (the dashboard, the docs page):
 * scripts only from the page's origin, never inline or evaluated, so an injected `<script>` or
 * `onclick` does not run where the dashboard keeps its API key; requests only to the same API;
 * no plugins, no `<base>` redirection, no framing (clickjacking), forms only to the origin.
 */
export function pagePolicy({ inlineStyles = [], images = [] }: PagePolicyOptions = {}): string {
  const sources = (...list: string[]) => list.filter(Boolean).join(" ");
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src ${sources("'self'", ...inlineStyles.map(inlineSource))}`,
    `img-src ${sources("'self'", ...images)}`,
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
