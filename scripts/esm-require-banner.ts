/**
 * As SST's Node build: ESM bundles still meet CommonJS code that uses `require` and
 * `__filename` / `__dirname`. The banner provides them, and `define` maps the free references
 * only (modules that declare their own are left alone). Shared by the API bundle and the infra
 * tests' stand-in for SST's build.
 */
export const ESM_REQUIRE_BANNER = [
  'import { createRequire as __wfcCreateRequire } from "node:module";',
  'import { fileURLToPath as __wfcFileURLToPath } from "node:url";',
  'import { dirname as __wfcDirnameOf } from "node:path";',
  "const require = __wfcCreateRequire(import.meta.url);",
  "const __wfcFilename = __wfcFileURLToPath(import.meta.url);",
  "const __wfcDirname = __wfcDirnameOf(__wfcFilename);",
].join("\n");

/** esbuild `define` for the banner's names. */
export const COMMONJS_GLOBALS = { __filename: "__wfcFilename", __dirname: "__wfcDirname" };
