/**
 * The one Node.js major the project runs on: Lambda's runtime for the API, the worker image's
 * base, both bundles' target, and the `node` that npm scripts and tests run (the `node-linux-*`
 * optional dependencies in package.json put it in `node_modules/.bin`, whatever Node ran `npm ci`).
 * The files that cannot import this (package.json, the Dockerfile) are checked against it by
 * test/unit/node-runtime.test.ts. Plain values, no SST: the worker's image build imports it.
 */
export const NODE_MAJOR = 24;

/** esbuild's target for code that runs on {@link NODE_MAJOR}. */
export const NODE_TARGET = `node${NODE_MAJOR}` as const;
