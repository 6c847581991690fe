import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateDtsBundle } from "dts-bundle-generator";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const clientDir = join(root, "packages/client");

/** Where `npm run build -w @wfc/client` writes: a package of its own, packed from there. */
export const CLIENT_DIST = join(clientDir, "dist");

/** The entries, by the name of their built file and the subpath they are exported as. */
const ENTRIES = [
  { name: "index", subpath: ".", source: "src/index.ts" },
  { name: "lambda", subpath: "./lambda", source: "src/lambda/index.ts" },
] as const;

/**
 * What the built package imports at run time. Core's contracts (the kinds' declarations) are
 * bundled in; zod stays a dependency because the kinds' types are zod schemas and the
 * declarations name them; the AWS SDK only for `./lambda`, optional, so a browser never meets it.
 */
const EXTERNAL = ["hono", "zod", "@aws-sdk/client-lambda"];

/** Built declarations may import these and nothing else: a consumer installs no server code. */
const TYPE_IMPORTS = /^(hono|zod|@aws-sdk\/client-lambda)(\/|$)/;

type Manifest = { version: string; dependencies: Record<string, string> };

/** The package.json `npm pack` reads in `dist/`: the built files, not the workspace sources. */
function distManifest(source: Manifest, core: Manifest) {
  const range = (name: string) => {
    const found = source.dependencies[name] ?? core.dependencies[name];
    if (!found) throw new Error(`No version range for ${name} in packages/client/package.json`);
    return found;
  };
  return {
    name: "@wfc/client",
    version: source.version,
    description: "Typed client of the workflow-communication API (HTTPS, or Lambda invoke)",
    type: "module",
    sideEffects: false,
    exports: Object.fromEntries(
      ENTRIES.map(({ name, subpath }) => [
        subpath,
        { types: `./${name}.d.ts`, import: `./${name}.js` },
      ]),
    ),
    engines: { node: ">=20.19" },
    dependencies: { hono: range("hono"), zod: range("zod") },
    peerDependencies: { "@aws-sdk/client-lambda": range("@aws-sdk/client-lambda") },
    peerDependenciesMeta: { "@aws-sdk/client-lambda": { optional: true } },
  };
}

/** Fails when a declaration file imports a module a consumer would not have. */
function checkTypeImports(file: string, text: string) {
  const strays = [...text.matchAll(/(?:from\s+|import\()\s*["']([^"']+)["']/g)]
    .map((match) => match[1]!)
    .filter((specifier) => !TYPE_IMPORTS.test(specifier));
  if (strays.length > 0) {
    throw new Error(`${file} imports ${[...new Set(strays)].join(", ")}: not inlined`);
  }
}

/**
 * Builds the client as a package other projects install: ESM JavaScript (esbuild, core's
 * contracts bundled in, one shared chunk between the entries) and one declaration file per
 * entry in which the API's route types are resolved (dts-bundle-generator), plus the
 * package.json to pack. @throws when a declaration still names a workspace module.
 * @returns the output directory and each file's size in bytes.
 */
export async function buildClient(outDir = CLIENT_DIST) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: Object.fromEntries(ENTRIES.map((e) => [e.name, join(clientDir, e.source)])),
    outdir: outDir,
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    // Neutral: the main entry runs in browsers and Node alike; `./lambda` imports node:crypto.
    platform: "neutral",
    mainFields: ["module", "main"],
    format: "esm",
    target: "es2022",
    external: [...EXTERNAL, "node:*"],
    metafile: true,
    logLevel: "warning",
  });
  // One compilation per entry: both in one took five times as long as the two apart.
  const declarations = ENTRIES.map(({ source }) => {
    const [text] = generateDtsBundle(
      [
        {
          filePath: join(clientDir, source),
          output: { noBanner: true, exportReferencedTypes: false },
        },
      ],
      { preferredConfigPath: join(clientDir, "tsconfig.build.json") },
    );
    return text!;
  });
  const sizes: Record<string, number> = Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([file, { bytes }]) => [
      relative(outDir, resolve(file)),
      bytes,
    ]),
  );
  for (const [index, { name }] of ENTRIES.entries()) {
    const file = `${name}.d.ts`;
    const text = declarations[index]!;
    checkTypeImports(file, text);
    await writeFile(join(outDir, file), text);
    sizes[file] = Buffer.byteLength(text);
  }
  const read = async (path: string) => JSON.parse(await readFile(path, "utf8")) as Manifest;
  const manifest = distManifest(
    await read(join(clientDir, "package.json")),
    // zod's range is core's: the kinds' schemas are written against it.
    await read(join(root, "packages/core/package.json")),
  );
  await writeFile(join(outDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, sizes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { outDir, sizes } = await buildClient();
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(`client package: ${outDir} (${(total / 1024).toFixed(1)} kB)`);
  for (const [file, bytes] of Object.entries(sizes)) console.log(`  ${file}  ${bytes} B`);
}
