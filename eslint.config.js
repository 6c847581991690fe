import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      ".sst",
      "dist",
      // The built client package (scripts/build-client.ts).
      "packages/client/dist",
      "coverage",
      "bench/out",
      "**/sst-env.d.ts",
      "packages/core/src/kinds/*.gen.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // An unawaited DBOS call is a bug: the workflow would move on before it is recorded.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // SST's globals ($app, $dev, sst, aws) are typed by the generated .sst/platform.
    files: ["sst.config.ts", "infra/**/*.ts", "test/infra/support/stack-runner.ts"],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: "./tsconfig.infra.json",
        tsconfigRootDir: import.meta.dirname,
      },
    },
    // SST's own convention: sst.config.ts names its types with a triple-slash reference.
    rules: { "@typescript-eslint/triple-slash-reference": "off" },
  },
  {
    files: ["**/*.js"],
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
  },
  {
    // What the published client bundles (the kinds and their contracts): a named `z` import
    // keeps every zod locale in a browser bundle (470 kB instead of 107 kB).
    files: [
      "packages/core/src/kind.ts",
      "packages/core/src/kinds/*.ts",
      "packages/core/src/contracts/*.ts",
    ],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier",
          message: 'Use `import * as z from "zod"`: the client bundles this file for browsers.',
        },
      ],
    },
  },
);
