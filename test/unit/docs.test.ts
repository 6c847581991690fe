import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { KINDS, type KindSetting } from "@wfc/core";
import { CONFIG_DOCS, renderConfigDocs } from "../../scripts/generate-config-docs.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Generated or installed trees, whose markdown is not ours. */
const SKIPPED = new Set(["node_modules", ".git", ".sst", "dist", "out"]);

/** Every markdown file of the repository, ours only. */
function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith(".md") ? [path] : [];
  });
}

/** The text outside fenced code blocks. */
const withoutFences = (text: string) =>
  text.replace(/^( {0,3})(```|~~~)[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, "");

/** The text outside code blocks and inline code, where a link is a link. */
const prose = (text: string) => withoutFences(text).replace(/`[^`\n]*`/g, "");

/** Inline links and images `[text](target)`, and reference definitions `[label]: target`. */
function linkTargets(text: string): string[] {
  const body = prose(text);
  const inline = [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1] ?? "",
  );
  const references = [...body.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map(
    (m) => m[1] ?? "",
  );
  return [...inline, ...references];
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to dashes. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading = ""] of withoutFences(text).matchAll(/^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading
      .replace(/`/g, "")
      .replace(/<[^>]+>/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count ? `${base}-${count}` : base);
  }
  for (const [, id = ""] of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** Each relative link that does not lead to a file, or to a heading of it. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return linkTargets(text).flatMap((target) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return []; // https:, mailto: ...
    const [path = "", anchor] = target.split("#", 2);
    const resolved = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
    if (!existsSync(resolved)) return [`${target} (no such file)`];
    if (!anchor || statSync(resolved).isDirectory() || !resolved.endsWith(".md")) return [];
    return anchorsOf(readFileSync(resolved, "utf8")).has(decodeURIComponent(anchor))
      ? []
      : [`${target} (no such heading)`];
  });
}

describe("documentation", () => {
  it("docs/operations/configuration.md is what npm run docs:config writes", async () => {
    // Stale after a setting, a description or a default changed: run `npm run docs:config`.
    expect(readFileSync(CONFIG_DOCS, "utf8")).toBe(await renderConfigDocs());
  });

  it("lists each kind's settings with the description its declaration gives", async () => {
    const page = await renderConfigDocs();
    const settings = KINDS.flatMap((kind) =>
      Object.values(kind.settings as Record<string, KindSetting>),
    );
    expect(settings.length).toBeGreaterThan(0);
    for (const setting of settings) {
      const row = page.split("\n").find((line) => line.startsWith(`| \`${setting.env}\``));
      expect(row, setting.env).toContain(setting.description);
    }
  });

  it("every relative link in the markdown files leads to a file and heading that exist", () => {
    const files = markdownFiles(ROOT);
    expect(files.map((file) => relative(ROOT, file))).toContain("README.md");
    const broken = files.flatMap((file) =>
      brokenLinks(file).map((link) => `${relative(ROOT, file)}: ${link}`),
    );
    expect(broken).toEqual([]);
  });

  it("finds a broken link, a missing heading and a link inside code it must not follow", () => {
    const page = [
      "# A page",
      "## Its `second` part",
      "[ok](#its-second-part) [bad](#nowhere) ![img](missing.png)",
      "```",
      "[inside code](nowhere.md)",
      "```",
      "`[inline](nowhere.md)` [web](https://example.com)",
    ].join("\n");
    expect(linkTargets(page)).toEqual([
      "#its-second-part",
      "#nowhere",
      "missing.png",
      "https://example.com",
    ]);
    expect(anchorsOf(page)).toEqual(new Set(["a-page", "its-second-part"]));
  });
});
