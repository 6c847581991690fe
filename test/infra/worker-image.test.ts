import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionBudget } from "../../infra/connection-budget.js";
import { WORKER_HEALTH_CHECK, workerEnvironment } from "../../infra/worker-container.js";
import { createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { argsOf, type Stage } from "./support/dockerfile.js";
import { emulateImageBuild, type EmulatedImage } from "./support/image-build.js";

// No Docker engine here: build the image the way its Dockerfile says (the build stage's COPYs
// and RUNs, the runtime stage's COPY --from) into a scratch directory, and run the image's CMD
// there against a real database, with the environment the task definition sets.
const root = fileURLToPath(new URL("../../", import.meta.url));

let image: EmulatedImage;
let appDir: string;
let worker: ChildProcess;
let healthPort: number;
let api: ReturnType<typeof createTestApi>;
const output: string[] = [];

beforeAll(async () => {
  const scratch = mkdtempSync(join(tmpdir(), "wfc-image-"));
  image = emulateImageBuild(join(root, "functions/worker/Dockerfile"), root, scratch);
  appDir = image.appDir;
  const url = await createTestDatabase("image");
  healthPort = await getPort();
  const [bin, ...args] = image.command;
  worker = spawn(bin!, args, {
    cwd: appDir,
    // Only what the container would have: PATH for `node`, the image's ENV, the task
    // definition's environment (a disposable stage's), and the two values ECS injects from
    // secrets. Ports are free ones and the role is this file's own (roles are cluster-wide).
    env: {
      PATH: process.env.PATH,
      ...image.env,
      ...workerEnvironment("1", connectionBudget(false)),
      HEALTH_PORT: String(healthPort),
      RELAY_PORT: String(await getPort()),
      API_DATABASE_ROLE: "wfc_api_image",
      DBOS_SYSTEM_DATABASE_URL: url,
      API_DATABASE_PASSWORD: randomBytes(16).toString("hex"),
    },
  });
  createInterface({ input: worker.stderr! }).on("line", (line) => output.push(line));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: worker.stdout! }).on("line", (line) => {
      output.push(line);
      if (line.includes('"worker ready"')) resolve();
    });
    worker.once("exit", (code) =>
      reject(new Error(`the image's command exited with ${code}:\n${output.join("\n")}`)),
    );
  });
  api = createTestApi(url);
}, 60_000);

afterAll(async () => {
  if (worker?.exitCode === null) worker.kill("SIGKILL");
  await api?.close();
});

describe("the worker image", () => {
  it("builds in one stage and runs, in the other, only the bundle as a non-root user", () => {
    const [buildStage, runtime] = image.stages as [Stage, Stage];
    expect(image.stages).toHaveLength(2);
    expect(argsOf(buildStage, "RUN")).toContain("npm run build:worker");
    expect(argsOf(runtime, "COPY")).toEqual([`--from=${buildStage.name} /src/dist/worker/ ./`]);
    expect(argsOf(runtime, "RUN")).toEqual([]);
    expect(argsOf(runtime, "USER")).toEqual(["node"]);
    expect(image.command).toEqual(["node", "main.js"]);
    expect(readdirSync(appDir).sort()).toEqual([
      "fibonacci-thread.js",
      "main.js",
      "package.json",
      "worker.js",
    ]);
    expect(existsSync(join(appDir, "node_modules"))).toBe(false);
  });

  it("runs its command on the Node major of its base image", () => {
    const [, runtime] = image.stages as [Stage, Stage];
    const base = /^node:(\d+)-/.exec(runtime.from)?.[1];
    const ready = JSON.parse(output.find((line) => line.includes('"worker ready"'))!) as {
      node: string;
    };
    expect(ready.node.startsWith(`v${base}.`)).toBe(true);
  });

  it("passes the container health check once ready", () => {
    const [, bin, ...args] = WORKER_HEALTH_CHECK;
    const check = spawnSync(bin!, args, {
      env: { PATH: process.env.PATH, HEALTH_PORT: String(healthPort) },
      timeout: 10_000,
    });
    expect(check.status).toBe(0);
  });

  it("runs a workflow whose steps compute in worker threads", async () => {
    const id = `image-${Date.now()}`;
    expect((await api.post(`/start-workflow-events/${id}/2`)).status).toBe(200);
    const result = await api.get(`/workflow-events/${id}/result?timeout=20`);
    expect(result.body.value).toEqual({ total_steps: 2, total_fibonacci: 832040 });
  });

  it("stops cleanly on SIGTERM, as ECS stops a task", async () => {
    const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));
    worker.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output.join("\n")).toContain('"worker stopping"');
  });
});
