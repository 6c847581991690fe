import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, realpathSync, statSync, symlinkSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { argsOf, readDockerfile, type Stage } from "./dockerfile.js";

/** What the emulated image holds and would run. */
export interface EmulatedImage {
  stages: Stage[];
  /** The runtime stage's WORKDIR, as a directory on this machine. */
  appDir: string;
  /** The runtime stage's CMD (exec form). */
  command: string[];
  /** The runtime stage's ENV. */
  env: Record<string, string>;
}

/** Docker's COPY: a file into a directory (dest ends with /) or to a path; a directory's content. */
function copy(from: string, dest: string) {
  const target = statSync(from).isFile() && dest.endsWith("/") ? join(dest, basename(from)) : dest;
  cpSync(from, target, { recursive: true });
}

/**
 * `npm ci` in the build stage installs what the lockfile pins: the repository's node_modules
 * holds exactly that. Link each package from there, except the workspace packages, which point
 * at the copies this build made (so a source the Dockerfile forgets to COPY is missed here too).
 */
function linkInstalledPackages(repo: string, dir: string) {
  const modules = join(dir, "node_modules");
  mkdirSync(modules, { recursive: true });
  for (const name of readdirSync(join(repo, "node_modules"))) {
    if (name === "@wfc" || name === ".bin") continue;
    symlinkSync(join(repo, "node_modules", name), join(modules, name));
  }
  symlinkSync(join(repo, "node_modules", ".bin"), join(modules, ".bin"));
  mkdirSync(join(modules, "@wfc"));
  // Every workspace package, where npm linked it in the repository.
  for (const name of readdirSync(join(repo, "node_modules", "@wfc"))) {
    const path = relative(repo, realpathSync(join(repo, "node_modules", "@wfc", name)));
    symlinkSync(relative(join(modules, "@wfc"), join(dir, path)), join(modules, "@wfc", name));
  }
}

/**
 * Builds a two-stage Dockerfile's result without Docker: the build stage's COPYs from `context`
 * into a scratch root, its `npm ci` stood in by the lockfile's installed packages, its other RUN
 * steps run as written; then the runtime stage's `COPY --from` into its WORKDIR.
 * @throws Error when a step fails, with its output.
 */
export function emulateImageBuild(dockerfile: string, context: string, scratch: string) {
  const stages = readDockerfile(dockerfile);
  const [build, runtime] = [stages[0]!, stages.at(-1)!];
  const onDisk = (path: string) => join(scratch, path);
  const buildDir = onDisk(argsOf(build, "WORKDIR").at(-1)!);
  mkdirSync(buildDir, { recursive: true });

  for (const instruction of build.instructions) {
    if (instruction.keyword === "COPY") {
      const parts = instruction.args.split(/\s+/);
      const dest = join(buildDir, parts.pop()!) + (instruction.args.endsWith("/") ? "/" : "");
      for (const from of parts) copy(join(context, from), dest);
    } else if (instruction.keyword === "RUN") {
      if (instruction.args.startsWith("npm ci")) {
        linkInstalledPackages(context, buildDir);
        continue;
      }
      const run = spawnSync("sh", ["-c", instruction.args], { cwd: buildDir, encoding: "utf8" });
      if (run.status !== 0) {
        throw new Error(`RUN ${instruction.args} failed:\n${run.stdout}${run.stderr}`);
      }
    }
  }

  const appDir = onDisk(argsOf(runtime, "WORKDIR").at(-1)!);
  mkdirSync(appDir, { recursive: true });
  for (const args of argsOf(runtime, "COPY")) {
    const [flag, from, dest] = args.split(/\s+/);
    if (flag !== `--from=${build.name}`) throw new Error(`unexpected COPY ${args}`);
    copy(onDisk(from!), join(appDir, dest!));
  }
  const env = Object.fromEntries(
    argsOf(runtime, "ENV").map((line) => line.split("=", 2) as [string, string]),
  );
  const command = JSON.parse(argsOf(runtime, "CMD").at(-1)!) as string[];
  return { stages, appDir, command, env } satisfies EmulatedImage;
}
