import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PoolStats } from "@wfc/lambda-emulator";
import { readServerSentEvents as readEvents, type ServerSentEvent } from "@wfc/client";

// `npm start` as a user runs it: no database URL, so an embedded PostgreSQL, then the worker and
// the API as separate processes. The seed's curl commands run against it over real HTTP, once
// with the API on the Node server and once through API Gateway and Lambda environments.
const root = fileURLToPath(new URL("../../", import.meta.url));

describe.each(["node", "lambda"] as const)("npm start with API_MODE=%s", (mode) => {
  let stack: ChildProcess;
  let base: string;
  let dataDir: string;
  let ports: { health: number; relay: number };
  const output: string[] = [];
  const lineListeners = new Set<(line: string) => void>();
  const record = (line: string) => {
    output.push(line);
    for (const listener of lineListeners) listener(line);
  };

  beforeAll(async () => {
    const parent = mkdtempSync(join(tmpdir(), "wfc-e2e-"));
    dataDir = join(parent, "pgdata");
    const port = await getPort();
    base = `http://127.0.0.1:${port}`;
    ports = { health: await getPort(), relay: await getPort() };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      LAMBDA_PORT: String(await getPort()),
      HEALTH_PORT: String(ports.health),
      RELAY_PORT: String(ports.relay),
      LOCAL_DATABASE_PORT: String(await getPort()),
      LOCAL_DATA_DIR: dataDir,
      API_MODE: mode,
      // The API's own settings, and a name in LAMBDA_EXTRA_ENV: each must reach the Lambda
      // environments too (harmless values: the defaults, or a site nobody calls from).
      DB_TIMEOUT_MS: "5000",
      CORS_ORIGINS: "https://app.example.test",
      LIVE_FEED_MAX_SECONDS: "600",
      WFC_E2E_EXTRA: "passed",
      LAMBDA_EXTRA_ENV: "WFC_E2E_EXTRA",
    };
    delete env.DBOS_SYSTEM_DATABASE_URL;
    stack = spawn(process.execPath, ["--import", "tsx", "tools/local-stack/start.ts"], {
      cwd: root,
      env,
    });
    createInterface({ input: stack.stderr! }).on("line", record);
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: stack.stdout! }).on("line", (line) => {
        record(line);
        if (line.startsWith("Stack ready")) resolve();
      });
      stack.once("exit", (code) =>
        reject(new Error(`npm start exited with ${code}:\n${output.join("\n")}`)),
      );
    });
  }, 60_000);

  afterAll(() => {
    // SIGTERM: the stack stops its worker, environments and database itself.
    if (stack.exitCode === null) stack.kill("SIGTERM");
  });

  /** Resolves with the next line of the stack's output that matches `pattern`. */
  const waitForLine = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const listener = (line: string) => {
        if (!pattern.test(line)) return;
        lineListeners.delete(listener);
        resolve(line);
      };
      lineListeners.add(listener);
    });

  const lambdaStats = async () => {
    const endpoint = /^\s+Lambda\s+(http\S+)/m.exec(output.join("\n"))![1]!;
    return (await (await fetch(`${endpoint}/__local/stats`)).json()) as PoolStats;
  };

  const get = async (path: string) => {
    const response = await fetch(base + path);
    return { status: response.status, body: (await response.json()) as any };
  };
  const post = async (path: string, body?: unknown) => {
    const init: RequestInit = { method: "POST" };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const response = await fetch(base + path, init);
    return { status: response.status, body: (await response.json()) as any };
  };

  describe("the seed's README, against npm start", () => {
    it("prints where everything is", () => {
      const banner = output.join("\n");
      expect(banner).toContain(`API       ${base.replace("127.0.0.1", "localhost")}`);
      expect(banner).toMatch(new RegExp(`Mode\\s+${mode}:`));
      expect(banner).toMatch(
        /Database\s+postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/dbos \(embedded/,
      );
      const site = base.replace("127.0.0.1", "localhost");
      expect(banner).toContain(`Dashboard ${site}/ui`);
      expect(banner).toContain(
        mode === "node" ? `Docs      ${site}/docs` : `Docs      ${site}/openapi.json`,
      );
    });

    it("serves the dashboard the banner names", async () => {
      const page = await fetch(`${base}/ui`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/text\/html/);
    });

    it("Example 1: events", async () => {
      expect((await post("/start-workflow-events/wf-events-1/3")).status).toBe(200);
      expect((await get("/workflow-events/wf-events-1/result?timeout=10")).body.value).toEqual({
        total_steps: 3,
        total_fibonacci: 1664080,
      });
      expect((await get("/workflow-events/wf-events-1/progress")).body.value).toBe(100);
      expect((await get("/workflow-events/wf-events-1/status")).body.value).toBe("completed");
      expect(
        Object.keys((await get("/workflow-events/wf-events-1/all")).body.events).sort(),
      ).toEqual(["progress", "result", "status"]);
    });

    it("Example 2: messaging", async () => {
      expect((await post("/start-workflow-messaging/wf-msg-1/3")).status).toBe(200);
      const sent = await post("/send-message/wf-msg-1", {
        approved: true,
        message: "Approved by admin",
      });
      expect(sent.body).toEqual({
        workflow_id: "wf-msg-1",
        message: "Notification sent to workflow",
        payload: { approved: true, message: "Approved by admin" },
      });
    });

    it("Example 3: streaming", async () => {
      expect((await post("/start-workflow-streaming/wf-stream-1/5")).status).toBe(200);
      // The snapshot never blocks; follow it until the complete record arrives.
      let snapshot = await get("/workflow-stream/wf-stream-1");
      while (snapshot.body.total_messages < 12)
        snapshot = await get("/workflow-stream/wf-stream-1");
      expect(snapshot.body.stream_values.at(-1)).toMatchObject({
        type: "complete",
        total_results: 5,
      });
    });

    it("follows a stream live over server-sent events", async () => {
      expect((await post("/start-workflow-streaming/wf-stream-live/3")).status).toBe(200);
      const response = await fetch(`${base}/workflow-stream/wf-stream-live`, {
        headers: { accept: "text/event-stream" },
      });
      expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
      const events: ServerSentEvent[] = [];
      for await (const event of readEvents(response.body!)) events.push(event);
      expect(events.filter((e) => e.event === "value").map((e) => e.id)).toEqual([
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
      ]);
      expect(events.at(-1)?.event).toBe("end");
    });

    it("serves the OpenAPI document", async () => {
      const openapi = (await get("/openapi.json")).body as { paths: Record<string, unknown> };
      expect(Object.keys(openapi.paths)).toContain("/send-message/{workflow_id}");
    });

    // The docs page is the Node server's alone: its assets stay out of the Lambda bundle.
    it.runIf(mode === "node")("serves a docs page with no external assets", async () => {
      const page = await (await fetch(`${base}/docs`)).text();
      expect(page).toContain('src="/docs/assets/swagger-ui-bundle.js"');
      expect(page).not.toMatch(/(src|href)="https?:/);
      const bundle = await fetch(`${base}/docs/assets/swagger-ui-bundle.js`);
      expect(bundle.status).toBe(200);
      expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    });

    it("the original GET / fan-out", async () => {
      const { status, body } = await get("/");
      expect(status).toBe(200);
      expect(body.handles_status).toHaveLength(5);
    });

    it.runIf(mode === "lambda")(
      "answered every request from warm, frozen environments",
      async () => {
        const stats = await lambdaStats();
        expect(stats.invocations).toBeGreaterThan(10);
        expect(stats.coldStarts).toBeLessThanOrEqual(stats.environments.length + stats.reaped);
        expect(stats.throttled).toBe(0);
      },
    );
  });

  it.runIf(mode === "lambda")(
    "gives the Lambda environments the API's settings and LAMBDA_EXTRA_ENV's names, with the relay's",
    async () => {
      expect((await get("/health")).status).toBe(200);
      const pid = (await lambdaStats()).environments[0]!.pid!;
      const environ = new Map(
        readFileSync(`/proc/${pid}/environ`, "utf8")
          .split("\0")
          .filter(Boolean)
          .map((entry) => [
            entry.slice(0, entry.indexOf("=")),
            entry.slice(entry.indexOf("=") + 1),
          ]),
      );
      expect(environ.get("DB_TIMEOUT_MS")).toBe("5000");
      expect(environ.get("CORS_ORIGINS")).toBe("https://app.example.test");
      expect(environ.get("LIVE_FEED_MAX_SECONDS")).toBe("600");
      expect(environ.get("WFC_E2E_EXTRA")).toBe("passed");
      expect(environ.get("CHANGE_RELAY_URL")).toBe(`http://127.0.0.1:${ports.relay}`);
      expect(environ.has("CHANGE_RELAY_SECRET")).toBe(true);
    },
  );

  describe("exposure and supervision", () => {
    it("listens on 127.0.0.1 only: API, Lambda emulator, worker health and relay", () => {
      const text = output.join("\n");
      const ports = [
        new URL(base).port,
        /^\s+Lambda\s+http:\/\/[^:]+:(\d+)/m.exec(text)![1]!,
        /Worker\s+health http:\/\/[^:]+:(\d+)/.exec(text)![1]!,
        /change relay :(\d+)/.exec(text)![1]!,
      ].map(Number);
      const listening = listeners();
      for (const port of ports) expect(listening.get(port)).toEqual(["127.0.0.1"]);
    });

    it("puts the worker on the ports it was given", () => {
      const text = output.join("\n");
      expect(Number(/Worker\s+health http:\/\/[^:]+:(\d+)/.exec(text)![1])).toBe(ports.health);
      expect(Number(/change relay :(\d+)/.exec(text)![1])).toBe(ports.relay);
    });

    it("hands the master credentials to the worker only; the API runs as a role of this database's own", async () => {
      const text = output.join("\n");
      expect(/the API as role (\S+)/.exec(text)![1]).toMatch(/^wfc_api_[0-9a-f]{8}$/);
      const worker = Number(/Worker\s+.*pid (\d+)/.exec(text)![1]);
      // In lambda mode, the environments too: one request makes sure one exists.
      expect((await get("/health")).status).toBe(200);
      const holders = descendants(stack.pid!).filter((pid) => {
        try {
          const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
          return /SST_RESOURCE_Database=|:\/\/postgres:postgres@/.test(environ);
        } catch {
          return false; // ended meanwhile
        }
      });
      // The worker and its own helpers (tsx's esbuild service) inherit them; nothing else.
      const workerTree = new Set([worker, ...descendants(worker)]);
      expect(holders).toContain(worker);
      expect(holders.filter((pid) => !workerTree.has(pid))).toEqual([]);
    });

    it("restarts a worker killed with SIGKILL and keeps serving: a workflow started afterwards completes", async () => {
      const pid = Number(/Worker\s+.*pid (\d+)/.exec(output.join("\n"))![1]);
      const restarted = waitForLine(/worker restarted \(pid (\d+)\)/);
      process.kill(pid, "SIGKILL");
      const line = await restarted;
      expect(output.join("\n")).toMatch(
        /worker exited unexpectedly \(signal SIGKILL\); restarting/,
      );
      expect(Number(/pid (\d+)/.exec(line)![1])).not.toBe(pid);
      expect((await get("/health")).status).toBe(200);
      expect((await post("/start-workflow-events/wf-after-kill/2")).status).toBe(200);
      expect((await get("/workflow-events/wf-after-kill/result?timeout=20")).body.value).toEqual({
        total_steps: 2,
        total_fibonacci: 832040,
      });
      expect(stack.exitCode).toBeNull();
    }, 60_000);
  });

  describe("stopping", () => {
    it("stops the API, worker and database on SIGTERM, leaving nothing behind", async () => {
      const pids = mode === "lambda" ? (await lambdaStats()).environments.map((e) => e.pid!) : [];
      const exited = new Promise<number | null>((resolve) => stack.once("exit", resolve));
      stack.kill("SIGTERM");
      expect(await exited).toBe(0);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
      const workerHealth = /Worker\s+health (\S+)/.exec(output.join("\n"))![1]!;
      await expect(fetch(workerHealth)).rejects.toThrow();
      // PostgreSQL removes its lock file only on a clean shutdown.
      expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(false);
      for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
    });
  });
});

describe("npm start stopped during its start-up", () => {
  it("stops every process it started, the database last, when Ctrl-C comes before it is ready", async () => {
    const parent = mkdtempSync(join(tmpdir(), "wfc-e2e-early-"));
    const dataDir = join(parent, "pgdata");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(await getPort()),
      LAMBDA_PORT: String(await getPort()),
      LOCAL_DATABASE_PORT: String(await getPort()),
      LOCAL_DATA_DIR: dataDir,
      API_MODE: "node",
    };
    delete env.DBOS_SYSTEM_DATABASE_URL;
    const stack = spawn(process.execPath, ["--import", "tsx", "tools/local-stack/start.ts"], {
      cwd: root,
      env,
    });
    const exited = new Promise<number | null>((resolve) => stack.once("exit", resolve));
    // The API is up, the Lambda emulator still starting: the stack is not ready yet.
    await new Promise<void>((resolve) => {
      createInterface({ input: stack.stdout! }).on("line", (line) => {
        if (line.includes('"api ready"')) resolve();
      });
    });
    const started = descendants(stack.pid!);
    expect(started.length).toBeGreaterThanOrEqual(3); // database, worker, API (+ the emulator)
    // Only the start process is signalled (a terminal's Ctrl-C reaches the whole group).
    stack.kill("SIGINT");
    await exited;
    for (const pid of started) expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(false);
  }, 60_000);
});

/** Every process below `pid`, from /proc (children first found, then theirs). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 is the parent pid; the command name (field 2) may hold spaces, in parentheses.
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // The process ended meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const [child, parent] of parents) {
      if (parent === next) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** Listening TCP ports on this machine and the addresses they listen on (from /proc/net). */
function listeners(): Map<number, string[]> {
  const found = new Map<number, string[]>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== "0A" || !local) continue; // 0A: LISTEN
      const [hex, port] = local.split(":");
      const address =
        hex!.length === 8
          ? Buffer.from(hex!, "hex").reverse().join(".")
          : hex === "00000000000000000000000000000000"
            ? "::"
            : `ipv6:${hex}`;
      found.set(parseInt(port!, 16), [...(found.get(parseInt(port!, 16)) ?? []), address]);
    }
  }
  return found;
}
