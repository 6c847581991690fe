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
      "functions/api/src/ui/*.gen.ts",
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
  {
    // Workflow code: DBOS's in-workflow status read can deadlock the worker's pool
    // (packages/core/src/workflows/child-status.ts, the one place that reads it safely).
    files: ["packages/core/src/**/*.ts", "bench/**/*.ts"],
    ignores: ["packages/core/src/workflows/child-status.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "DBOS",
          property: "getWorkflowStatus",
          message:
            "Use the workflow tools' `statusOf` (child-status.ts): this one can starve the pool.",
        },
        {
          property: "getStatus",
          message:
            "Use the workflow tools' `statusOf` (child-status.ts): this one can starve the pool.",
        },
      ],
    },
  },
  {
    // Dependencies point functions/* -> packages/realtime -> packages/core, never back.
    files: ["packages/core/src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@wfc/realtime", "@wfc/realtime/*"],
              message: "Core must not depend on realtime.",
            },
          ],
        },
      ],
    },
  },
);
