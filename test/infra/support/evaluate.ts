import { spawn } from "node:child_process";
import { createCipheriv } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { COMMONJS_GLOBALS, ESM_REQUIRE_BANNER } from "../../../scripts/esm-require-banner.js";
import { NODE_TARGET } from "../../../infra/node-runtime.js";
import type { MockParameters } from "./mocks.js";
import type { Registration } from "./registration.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const platform = join(root, ".sst", "platform");

/** What SST's build step was asked to bundle for one Lambda function, and what it produced. */
export interface FunctionBuild {
  functionID: string;
  handler: string;
  /** Names of the resources linked into the bundle (encrypted in `resource.enc`). */
  links: string[];
  /** The decrypted content of `resource.enc`, as the function would read it. */
  linkValues: Record<string, Record<string, unknown>>;
  external: string[];
  bytes: number;
}

/** The resource graph of one stage, as `sst deploy` (or `sst dev`) would register it. */
export interface Evaluation {
  registrations: Registration[];
  outputs: Record<string, unknown>;
  builds: FunctionBuild[];
  /** `sst dev` only: the functions it would run locally, with their links. */
  devTargets: { functionID: string; handler: string; links: string[] }[];
}

export interface StackOptions {
  stage: string;
  dev?: boolean;
  /** `sst secret set` values; by default every secret is set to a recognisable sentinel. */
  secrets?: Record<string, string>;
  /** `APP_VERSION` in the deploying shell; unset by default (infra/stage.ts's default). */
  appVersion?: string;
  /** SSM parameters AWS already holds, by name (e.g. the release registry); none by default. */
  parameters?: MockParameters;
}

/** The value each secret gets unless a test says otherwise: easy to look for in the graph. */
export const secretSentinel = (name: string) => `mock-secret-${name}`;

/** The secrets a stage requires (infra/secrets.ts), each set to its sentinel. */
export const REQUIRED_SECRETS: Record<string, string> = Object.fromEntries(
  ["ApiKeys", "WebhookSecret", "TokenKeys"].map((name) => [name, secretSentinel(name)]),
);

async function appConfig(stage: string, work: string) {
  const outfile = join(work, "sst.config.mjs");
  // Step 1 of SST's CLI: evaluate app() alone, with $config as the identity.
  await build({
    entryPoints: [join(root, "sst.config.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    banner: { js: "const $config = (c) => c;" },
    // As in SST's CLI, Pulumi's packages stay external: run() and what it imports never execute
    // here, and infra/ may import a provider SST's platform ships (e.g. @pulumi/random).
    external: ["@pulumi/*"],
    logLevel: "error",
  });
  const mod = (await import(pathToFileURL(outfile).href)) as {
    default: { app(input: { stage: string }): Record<string, any> };
  };
  const app = await mod.default.app({ stage });
  return {
    name: app.name as string,
    stage,
    removal: app.removal ?? "retain",
    protect: app.protect ?? false,
    home: app.home,
    providers: app.providers ?? {},
  };
}

/** SST's `Runtime.Build`: bundles a function's handler as SST would, or reports why it can't. */
async function buildFunction(input: Record<string, any>, work: string, builds: FunctionBuild[]) {
  const handler = String(input.handler);
  const dot = handler.lastIndexOf(".");
  const [file, exportName] = [handler.slice(0, dot), handler.slice(dot + 1)];
  const source = [".ts", ".mts", ".js", ".mjs"]
    .map((ext) => join(root, file + ext))
    .find((path) => existsSync(path));
  if (!source) return { errors: [`Could not find the file of handler "${handler}"`] };

  const out = join(work, "artifacts", `${input.functionID}-src`);
  const outfile = join(out, `${file}.mjs`);
  const external: string[] = input.properties?.esbuild?.external ?? [];
  const result = await build({
    entryPoints: [source],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: NODE_TARGET,
    banner: { js: ESM_REQUIRE_BANNER },
    external,
    metafile: true,
    logLevel: "silent",
  }).catch((error: { errors?: { text: string }[] }) => ({
    errors: error.errors?.map((e) => e.text) ?? [String(error)],
  }));
  if (!("metafile" in result)) return { errors: result.errors };
  const output = Object.values(result.metafile!.outputs)[0]!;
  if (!output.exports.includes(exportName!)) {
    return { errors: [`"${exportName}" is not exported by ${file}`] };
  }

  // As SST does: the links, encrypted with the key the function gets as SST_KEY.
  const cipher = createCipheriv(
    "aes-256-gcm",
    Buffer.from(input.encryptionKey, "base64"),
    Buffer.alloc(12, 0),
  );
  const links = input.links as Record<string, Record<string, unknown>>;
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(links)), cipher.final()]);
  await writeFile(join(out, "resource.enc"), Buffer.concat([encrypted, cipher.getAuthTag()]));

  builds.push({
    functionID: input.functionID,
    handler,
    links: Object.keys(links).sort(),
    linkValues: links,
    external,
    bytes: output.bytes,
  });
  return { handler, out, errors: [], sourcemaps: [] };
}

/** The CLI's side of the RPC calls components make while they are evaluated. */
function startCliServer(work: string, evaluation: Pick<Evaluation, "builds" | "devTargets">) {
  const methods: Record<string, (args: any) => Promise<unknown> | unknown> = {
    "Provider.Aws.Bootstrap": () => ({
      asset: "sst-asset-mock",
      assetEcrRegistryId: "123456789012",
      assetEcrUrl: "123456789012.dkr.ecr.us-east-1.amazonaws.com/sst-asset",
      state: "sst-state-mock",
      appsyncHttp: "mock.appsync-api.us-east-1.amazonaws.com",
      appsyncRealtime: "mock.appsync-realtime-api.us-east-1.amazonaws.com",
    }),
    "Provider.Aws.Appsync": () => ({ http: "mock-http", realtime: "mock-realtime" }),
    "Runtime.AddTarget": (input) => {
      evaluation.devTargets.push({
        functionID: input.functionID,
        handler: input.handler,
        links: Object.keys(input.links ?? {}).sort(),
      });
      return {};
    },
    "Runtime.Build": async (input) => {
      const result = await buildFunction(input, work, evaluation.builds);
      return { handler: "", out: "", sourcemaps: [], ...result };
    },
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: unknown[] };
      const handler = methods[method];
      const reply = (payload: unknown) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      if (!handler) return reply({ error: `rpc: can't find method ${method}` });
      Promise.resolve(handler(params[0]))
        .then((result) => reply({ result }))
        .catch((error: unknown) => reply({ error: String(error) }));
    });
  });
  return new Promise<Server>((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/**
 * Evaluates sst.config.ts for `stage` the way SST's CLI does (app(), then run() through SST's
 * own platform code), against Pulumi's mocks instead of AWS, and returns every resource it
 * registers. Needs `.sst/platform` (`npm run typecheck:infra` or `test:infra` generates it).
 * @throws Error with the config's own error message when evaluation fails.
 */
export async function evaluateStack({
  stage,
  dev = false,
  secrets,
  appVersion,
  parameters = {},
}: StackOptions) {
  if (!existsSync(join(platform, "src"))) {
    throw new Error("No .sst/platform: run `node --import tsx scripts/sst-platform.ts` first");
  }
  const work = await mkdtemp(join(tmpdir(), "wfc-sst-"));
  const evaluation: Evaluation = { registrations: [], outputs: {}, builds: [], devTargets: [] };
  const app = await appConfig(stage, work);
  const server = await startCliServer(work, evaluation);
  const rpc = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Inside .sst/platform so that the externals resolve to the platform's own copies; one file
  // per evaluation, since test files evaluate the same stage at once.
  const runner = join(
    platform,
    ".infra-test",
    `${stage}${dev ? "-dev" : ""}-${basename(work)}.mjs`,
  );
  try {
    await mkdir(dirname(runner), { recursive: true });
    await build({
      entryPoints: [join(root, "test/infra/support/stack-runner.ts")],
      outfile: runner,
      bundle: true,
      platform: "node",
      format: "esm",
      target: NODE_TARGET,
      external: ["@pulumi/*", "esbuild"],
      inject: [join(platform, "src/shim/run.js")],
      banner: { js: ESM_REQUIRE_BANNER },
      define: {
        ...COMMONJS_GLOBALS,
        $app: JSON.stringify(app),
        $dev: JSON.stringify(dev),
        $cli: JSON.stringify({
          command: dev ? "dev" : "deploy",
          rpc,
          paths: { home: work, root, work, platform },
          state: { version: {} },
        }),
      },
      logLevel: "error",
    });

    const out = join(work, "graph.json");
    const log: string[] = [];
    const secretEnv = Object.fromEntries(
      Object.entries(secrets ?? REQUIRED_SECRETS).map(([name, value]) => [
        `SST_SECRET_${name}`,
        value,
      ]),
    );
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [runner], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: work,
          SST_SERVER: rpc,
          WFC_STACK_OUT: out,
          WFC_MOCK_PARAMETERS: JSON.stringify(parameters),
          ...(appVersion === undefined ? {} : { APP_VERSION: appVersion }),
          ...secretEnv,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      // Pulumi prints warnings (e.g. about promises left at exit): shown only on failure.
      child.stdout.on("data", (chunk: Buffer) => log.push(chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => log.push(chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.once("exit", (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    const result = existsSync(out)
      ? (JSON.parse(await readFile(out, "utf8")) as Partial<Evaluation> & { error?: string })
      : { error: `the evaluation exited with ${code} and wrote nothing` };
    if (result.error) throw new Error(`${result.error}\n${log.join("")}`);
    evaluation.registrations = result.registrations!;
    evaluation.outputs = result.outputs as Record<string, unknown>;
    return evaluation;
  } finally {
    server.close();
    await rm(runner, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}
