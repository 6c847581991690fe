import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const page = (file: string) => fileURLToPath(new URL(`page/${file}`, import.meta.url));

/** The page's files, as the backend serves them from its own origin. */
export interface PageFiles {
  html: string;
  script: string;
}

/**
 * Builds the page once, at start-up, in memory: the React app bundled by esbuild as a web app's
 * build would (no files written, so nothing to clean up), and the HTML told where the API is.
 */
export async function buildPage(apiUrl: string): Promise<PageFiles> {
  const [result, template] = await Promise.all([
    build({
      entryPoints: [page("main.tsx")],
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      jsx: "automatic",
      define: { "process.env.NODE_ENV": '"production"' },
      write: false,
      logLevel: "warning",
    }),
    readFile(page("index.html"), "utf8"),
  ]);
  const escaped = apiUrl.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return {
    html: template.replace("%API_URL%", escaped),
    script: result.outputFiles[0]!.text,
  };
}
