import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClient } from "../../scripts/build-client.js";
import { runService, type ServiceProcess } from "@wfc/local-stack/child";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The client as another project meets it: built, packed, installed from the tarball into a
// project outside this repository (with none of its workspaces), type-checked there with tsc,
// run with plain node against the real API in its own process, and bundled for a browser.
const root = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(root, "node_modules/.bin/tsc");
const API_ENTRY = join(root, "functions/api/src/server.ts");
const run = promisify(execFile);

// npm run passes its settings down as npm_* variables (the workspace among them): the consumer's
// npm must not inherit this repository's.
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")),
);
const inProject = (cwd: string) => ({ cwd, env: cleanEnv, maxBuffer: 16 * 1024 * 1024 });

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    // A front end's view of the platform: fetch and streams from the DOM, no @types/node.
    lib: ["ES2022", "DOM", "DOM.Iterable"],
    types: [],
    // The package's declarations are checked too, not trusted.
    skipLibCheck: false,
    outDir: "out",
  },
};

const MAIN_TS = `import { createWorkflowClient, httpTransport, type StreamRecord } from "@wfc/client";

declare const process: { argv: string[] };
const [baseUrl, id] = process.argv.slice(2) as [string, string];
const client = createWorkflowClient(httpTransport({ baseUrl }));
const started = await client.start("events", id, { n_steps: 1 });
const progress: string = started.query_endpoints.progress;
const result = await client.getEvent<{ total_steps: number }>(id, "result", 20);
console.log(JSON.stringify({ id: started.workflow_id, progress, steps: result.value.total_steps }));
// The stream's records are typed by the package alone (no @wfc/core outside this repository).
export const label = (record: StreamRecord): string => record.type;
`;

// Each line is wrong in a way only real types can tell.
const WRONG_TS = `import { createWorkflowClient, httpTransport, type StreamRecord } from "@wfc/client";

const client = createWorkflowClient(httpTransport({ baseUrl: "http://localhost:8000" }));
export const badParams = client.start("events", "w", { n_steps: "one" });
export const badKind = client.start("no-such-kind", "w", { n_steps: 1 });
export const badField = (await client.start("events", "w", { n_steps: 1 })).no_such_field;
export const badRecord: StreamRecord["type"] = "no_such_record";
`;

const BROWSER_TS = `import { createWorkflowClient, httpTransport } from "@wfc/client";

const client = createWorkflowClient(httpTransport({ baseUrl: location.origin }));
export const health = () => client.health();
`;

let project: string;
let packDir: string;
let tarball: { file: string; bytes: number };
let worker: TestWorker | undefined;
let api: ServiceProcess | undefined;
let baseUrl: string;
const output: string[] = [];

/** Builds the package, packs it, and installs the tarball into a fresh project in tmpdir. */
async function packAndInstall() {
  const { outDir } = await buildClient();
  packDir = await mkdtemp(join(tmpdir(), "wfc-client-pack-"));
  const { stdout } = await run(
    "npm",
    ["pack", "--json", "--pack-destination", packDir],
    inProject(outDir),
  );
  const [packed] = JSON.parse(stdout) as [{ filename: string }];
  const file = join(packDir, packed.filename);
  tarball = { file, bytes: (await stat(file)).size };
  project = await mkdtemp(join(tmpdir(), "wfc-client-consumer-"));
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  await run(
    "npm",
    ["install", file, "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
    inProject(project),
  );
}

/** The worker and the API server (`functions/api/src/server.ts`) on a test database. */
async function startApi() {
  const databaseUrl = await createTestDatabase("client_package");
  worker = await startWorker(databaseUrl);
  const port = await getPort();
  baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DBOS_SYSTEM_DATABASE_URL: databaseUrl,
    PORT: String(port),
    LOG_LEVEL: "warn",
  };
  api = runService("api", API_ENTRY, env, (line) => output.push(line));
  await api.ready.catch((error: unknown) => {
    throw new Error(`${String(error)}\n${output.join("\n")}`, { cause: error });
  });
}

/** Runs the repository's tsc on a tsconfig in the consumer project; never throws. */
async function tsc(config: string) {
  try {
    await run(TSC, ["-p", config], inProject(project));
    return { ok: true, output: "" };
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return { ok: false, output: stdout + stderr };
  }
}

beforeAll(async () => {
  await Promise.all([packAndInstall(), startApi()]);
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  for (const dir of [project, packDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the packed @wfc/client in a project outside this repository", () => {
  it("installs with no workspace package and no AWS SDK, only its declared dependencies", async () => {
    const installed = JSON.parse(
      await readFile(join(project, "node_modules/@wfc/client/package.json"), "utf8"),
    ) as { dependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies).sort()).toEqual(["hono", "zod"]);
    await expect(stat(join(project, "node_modules/@wfc/core"))).rejects.toThrow();
    await expect(stat(join(project, "node_modules/@aws-sdk/client-lambda"))).rejects.toThrow();
    expect(tarball.bytes).toBeLessThan(64 * 1024);
  });

  it("type-checks a program against the packed declarations, and rejects wrong parameters, kinds and fields", async () => {
    await writeFile(join(project, "main.ts"), MAIN_TS);
    await writeFile(join(project, "wrong.ts"), WRONG_TS);
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({ ...CONSUMER_TSCONFIG, files: ["main.ts"] }),
    );
    await writeFile(
      join(project, "tsconfig.wrong.json"),
      JSON.stringify({
        ...CONSUMER_TSCONFIG,
        compilerOptions: { ...CONSUMER_TSCONFIG.compilerOptions, noEmit: true },
        files: ["wrong.ts"],
      }),
    );
    expect(await tsc("tsconfig.json")).toEqual({ ok: true, output: "" });

    const wrong = await tsc("tsconfig.wrong.json");
    expect(wrong.ok).toBe(false);
    const errorLines = wrong.output.split("\n").filter((line) => line.includes("error TS"));
    // Only the four wrong lines fail: the package's own declarations check cleanly.
    expect(errorLines.map((line) => /^wrong\.ts\((\d+),/.exec(line)?.[1])).toEqual([
      "4",
      "5",
      "6",
      "7",
    ]);
    expect(wrong.output).toContain("no_such_field");
  });

  it("runs the compiled program with plain node against the API: it starts a workflow and reads its result", async () => {
    const id = `package-${Date.now()}`;
    const { stdout } = await run(
      process.execPath,
      [join(project, "out/main.js"), baseUrl, id],
      inProject(project),
    );
    expect(JSON.parse(stdout)).toEqual({
      id,
      progress: `/workflow-events/${id}/progress`,
      steps: 1,
    });
  });

  it("bundles for a browser without the AWS SDK or any node: module", async () => {
    await mkdir(join(project, "web"), { recursive: true });
    await writeFile(join(project, "web/entry.ts"), BROWSER_TS);
    const result = await build({
      absWorkingDir: project,
      entryPoints: ["web/entry.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      minify: true,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes("@aws-sdk"))).toBe(false);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/["']node:|@aws-sdk/);
    // zod's namespace import keeps its locales out: all of them are 350 kB more.
    expect(code.length).toBeLessThan(150 * 1024);
  });
});
