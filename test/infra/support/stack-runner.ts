// The program evaluate.ts bundles and runs in a child process: SST's own `run()` over
// sst.config.ts, as `sst deploy` / `sst dev` would run it, but against Pulumi's mock monitor.
// It records every resource registration (type, name, inputs, options) and writes them as JSON.
// `$app`, `$cli` and `$dev` are compile-time constants (esbuild `define`), as in SST's CLI.
import { writeFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { deserializeProperties } from "@pulumi/pulumi/runtime/rpc.js";
import * as aws from "@pulumi/aws";
import * as sst from "../../../.sst/platform/src/components/index.js";
import { run } from "../../../.sst/platform/src/auto/run.js";
import config from "../../../sst.config.js";
import { mockCalls, newResource, type MockParameters } from "./mocks.js";
import type { Registration } from "./registration.js";

const out = process.env.WFC_STACK_OUT!;
// How the SDK marks a secret value on the wire: `{ [SIG]: SECRET, value }`.
const SIG = "4dabf18193072939515e22adb298388d";

/** Inputs with secret wrappers replaced by their values: assertions see what AWS would get. */
function unwrap(value: unknown): any {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (SIG in record && "value" in record) return unwrap(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}
const registrations: Registration[] = [];

// An error inside an `apply()` never settles the run: fail at once instead of hanging.
const fail = (error: unknown) => {
  writeFileSync(out, JSON.stringify({ error: String((error as Error)?.stack ?? error) }));
  process.exit(1);
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

Object.assign(globalThis, { aws, sst });
const parameters = JSON.parse(process.env.WFC_MOCK_PARAMETERS ?? "{}") as MockParameters;
await pulumi.runtime.setMocks(
  { newResource, call: mockCalls(parameters) },
  $app.name,
  $app.stage,
  false,
);

const monitor = pulumi.runtime.getMonitor() as any;
// The real engine names top-level resources without the stack's type; SST derives a link's type
// from the URN, so qualify only by real parents.
monitor.newUrn = (parent: string, type: string, name: string) => {
  const parentType = parent ? parent.split("::")[2]!.split("$").pop()! : "";
  const qualified =
    parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
  return `urn:pulumi:${$app.stage}::${$app.name}::${qualified}::${name}`;
};
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, callback: (error: unknown, res: any) => void) => {
  const inputs = deserializeProperties(req.getObject());
  delete inputs.__provider;
  register(req, (error: unknown, res: any) => {
    if (!error) {
      registrations.push({
        type: req.getType(),
        name: req.getName(),
        urn: res.getUrn(),
        parent: req.getParent(),
        custom: req.getCustom(),
        inputs: unwrap(inputs),
        dependencies: req.getDependenciesList(),
        retainOnDelete: Boolean(req.getRetainondelete()),
        protect: Boolean(req.getProtect()),
      });
    }
    callback(error, res);
  });
};

const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
const componentOutputs = new Map<string, Record<string, any>>();
monitor.registerResourceOutputs = (req: any, callback: (error: unknown, res: any) => void) => {
  componentOutputs.set(req.getUrn(), unwrap(deserializeProperties(req.getOutputs())));
  registerOutputs(req, callback);
};

const stackOutputs = await pulumi.runtime.runInPulumiStack(() => run(config.run as any));
for (const registration of registrations) {
  const outputs = componentOutputs.get(registration.urn);
  if (outputs) registration.outputs = outputs;
}
const outputs = await new Promise((resolve) => pulumi.output(stackOutputs).apply(resolve));
writeFileSync(out, JSON.stringify({ registrations, outputs }));
process.exit(0);
