import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres } from "@wfc/local-stack/embedded-postgres";
import getPort from "get-port";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { verifierOf } from "../support/api-role.js";
import { runStart } from "../support/local-stack.js";

// `npm start` tried as a new user would: what it is told is what it does, and what it cannot do
// it says in one line, exiting 1.

/** Something else listening on `port`, as another program would. */
const occupy = (port: number) =>
  new Promise<Server>((resolve) => {
    const server = createServer();
    server.listen(port, "127.0.0.1", () => resolve(server));
  });

const freePorts = async () => ({
  PORT: String(await getPort()),
  HEALTH_PORT: String(await getPort()),
  RELAY_PORT: String(await getPort()),
  LAMBDA_PORT: String(await getPort()),
  LOCAL_DATABASE_PORT: String(await getPort()),
});

const tempDataDir = () => join(mkdtempSync(join(tmpdir(), "wfc-start-")), "pgdata");

describe("a port that is taken", () => {
  // One line and nothing else: no process had started (each would have logged).
  it.each(["PORT", "HEALTH_PORT", "RELAY_PORT", "LAMBDA_PORT", "LOCAL_DATABASE_PORT"] as const)(
    "%s: one line naming it, exit 1",
    async (name) => {
      const ports = await freePorts();
      const taken = await occupy(Number(ports[name]));
      try {
        const stack = runStart({ ...ports, LOCAL_DATA_DIR: tempDataDir() });
        expect(await stack.exited).toBe(1);
        expect(stack.output).toEqual([
          expect.stringMatching(
            new RegExp(
              `^${name} ${ports[name]} is taken by another process.*: free it or set ${name} to another port$`,
            ),
          ),
        ]);
      } finally {
        taken.close();
      }
    },
  );
});

describe("an embedded PostgreSQL that cannot start", () => {
  it("prints PostgreSQL's own reason in one line and exits 1 (a data dir of another version)", async () => {
    const dataDir = tempDataDir();
    const made = await startEmbeddedPostgres(dataDir, "dbos");
    await made.stop();
    writeFileSync(join(dataDir, "PG_VERSION"), "12\n");
    const stack = runStart({ ...(await freePorts()), LOCAL_DATA_DIR: dataDir });
    expect(await stack.exited).toBe(1);
    expect(stack.output.join("\n")).not.toMatch(/undefined/);
    expect(stack.output).toEqual([
      expect.stringMatching(
        /^embedded PostgreSQL \(data in .*\) could not start on port \d+: FATAL: database files are incompatible with server; DETAIL: The data directory was initialized by PostgreSQL version 12/,
      ),
    ]);
  }, 60_000);
});

const roleIn = (output: string[]) => /the API as role (\S+)/.exec(output.join("\n"))![1]!;

/** Whether a process is still there (a zombie counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("two stacks on one PostgreSQL server, then Ctrl-C", () => {
  it("each keeps its own API login (API_DATABASE_ROLE honoured); Ctrl-C stops the worker without a restart, and PostgreSQL last", async () => {
    // Stack A: the embedded server, run as from a terminal (a process group of its own).
    const dataDir = tempDataDir();
    const portsA = await freePorts();
    const a = runStart({ ...portsA, LOCAL_DATA_DIR: dataDir }, { detached: true });
    await a.ready;
    const adminUrl = `postgresql://postgres:postgres@127.0.0.1:${portsA.LOCAL_DATABASE_PORT}/postgres`;
    const roleA = roleIn(a.output);
    expect(roleA).toMatch(/^wfc_api_[0-9a-f]{8}$/);
    const verifierA = await verifierOf(adminUrl, roleA);
    expect(verifierA).toBeTruthy();

    // Stack B: another database on A's server, its API role named by the user.
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query("CREATE DATABASE other");
    await admin.end();
    const roleB = `wfc_api_e2e_${Date.now().toString(36)}`;
    const portsB = await freePorts();
    const b = runStart({
      ...portsB,
      DBOS_SYSTEM_DATABASE_URL: adminUrl.replace(/\/postgres$/, "/other"),
      API_DATABASE_ROLE: roleB,
    });
    try {
      await b.ready;
      expect(roleIn(b.output)).toBe(roleB);
      const started = await fetch(`http://127.0.0.1:${portsB.PORT}/start-workflow-events/wf-b/1`, {
        method: "POST",
      });
      expect(started.status).toBe(200);
      // B's worker set its own role's login, and left A's alone.
      expect(await verifierOf(adminUrl, roleB)).toBeTruthy();
      expect(await verifierOf(adminUrl, roleA)).toBe(verifierA);
      const health = await fetch(`http://127.0.0.1:${portsA.PORT}/health`);
      expect(health.status).toBe(200);
    } finally {
      b.process.kill("SIGTERM");
      expect(await b.exited).toBe(0);
    }

    // Ctrl-C in A's terminal: SIGINT to its whole process group.
    const worker = Number(/Worker\s+.*pid (\d+)/.exec(a.output.join("\n"))![1]);
    const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    const goneAt = new Map<number, number>();
    const watch = setInterval(() => {
      for (const pid of [worker, postmaster])
        if (!goneAt.has(pid) && !alive(pid)) goneAt.set(pid, performance.now());
    }, 5);
    process.kill(-a.process.pid!, "SIGINT");
    try {
      expect(await a.exited).toBe(0);
    } finally {
      clearInterval(watch);
    }
    const text = a.output.join("\n");
    expect(text).not.toMatch(/exited unexpectedly|restarting/);
    expect(a.output.filter((line) => line.startsWith("stopped "))).toEqual([
      "stopped lambda",
      "stopped api",
      "stopped worker",
      "stopped database",
    ]);
    expect(alive(postmaster)).toBe(false);
    expect(goneAt.get(worker)!).toBeLessThan(goneAt.get(postmaster) ?? Infinity);
  }, 120_000);
});
