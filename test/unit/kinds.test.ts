import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defineKind,
  jsonStartPath,
  KINDS,
  loadWorkerConfig,
  kindSettingsOf,
  linkGrant,
  startPath,
} from "@wfc/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { generateKinds } from "../../scripts/generate-kinds.js";

const base = {
  workflowName: "probe_workflow",
  summary: "A probe",
  params: z.object({ n: z.coerce.number() }),
  example: { n: 1 },
  answer: z.object({ workflow_id: z.string() }),
  respond: (workflowId: string) => ({ workflow_id: workflowId }),
};

describe("defineKind", () => {
  it("refuses a name that is not lower-case words joined by dashes", () => {
    expect(() => defineKind({ ...base, name: "Order_Flow" })).toThrow(/lower-case words/);
  });

  it("refuses a startable kind without a start answer", () => {
    expect(() => defineKind({ ...base, name: "probe", answer: undefined })).toThrow(
      /needs an answer and a respond/,
    );
  });

  it("refuses parameters that cannot be path segments unless the kind has no path route", () => {
    const nested = {
      ...base,
      name: "probe",
      params: z.object({ items: z.array(z.object({ sku: z.string() })), note: z.string() }),
      example: { items: [{ sku: "a" }], note: "n" },
    };
    // @ts-expect-error a list is not a path segment: `pathRoute: false` is required
    expect(() => defineKind(nested)).toThrow(/parameters items are not path segments/);
    const bodyOnly = defineKind({ ...nested, pathRoute: false });
    expect(bodyOnly.pathRoute).toBe(false);
    // @ts-expect-error a kind without a path route has no path to start it by
    expect(() => startPath(bodyOnly, "x", bodyOnly.example)).toThrow(/no path route/);
    expect(jsonStartPath(bodyOnly, "a b")).toBe("/start/probe/a%20b");
    expect(defineKind({ ...base, name: "probe" }).pathRoute).toBe(true);
  });

  it("refuses dashboard hints that name a channel the kind does not declare", () => {
    expect(() =>
      defineKind({
        ...base,
        name: "probe",
        topics: ["review"],
        dashboard: { actions: [{ label: "Pay", topic: "payment", message: {} }] },
      }),
    ).toThrow(/undeclared channels payment/);
  });

  it("refuses a live log whose stream's records may lack a string `type`, by type and when defined", () => {
    // Cast, as a kind that slips past the compiler would be (JavaScript, `as`): caught when defined.
    const logged = (records: z.ZodType) => ({
      ...base,
      name: "probe",
      streams: ["audit"],
      dashboard: { log: { stream: "audit", records: records as z.ZodType<{ type: string }> } },
    });
    const untyped = z.object({ step: z.number() });
    const partly = z.union([
      z.object({ type: z.literal("start") }),
      z.object({ kind: z.literal("step") }),
    ]);
    const numbered = z.object({ type: z.number() });
    for (const records of [untyped, partly, numbered]) {
      expect(() => defineKind(logged(records))).toThrow(
        /log shows each record's `type`, but records of stream 'audit' \(dashboard.log.records\) may lack a string `type`/,
      );
    }
    expect(() =>
      defineKind({
        ...base,
        name: "probe",
        streams: ["audit"],
        // @ts-expect-error: a log's records must have a string `type`
        dashboard: { log: { stream: "audit", records: untyped } },
      }),
    ).toThrow(/may lack a string `type`/);
    const typed = z.discriminatedUnion("type", [
      z.object({ type: z.literal("start"), at: z.number() }),
      z.object({ type: z.enum(["step", "end"]), detail: z.unknown() }),
    ]);
    expect(defineKind(logged(typed)).dashboard?.log?.stream).toBe("audit");
  });
});

describe("an approval's declaration", () => {
  const approval = (choices: { name: string; label: string }[]) => ({
    question: "Ship it?",
    choices,
  });
  const yes = { name: "yes", label: "Yes" };

  it("is refused on an undeclared topic, with no choice, a misnamed or a repeated one", () => {
    const kind = (topics: string[], choices: { name: string; label: string }[]) => () =>
      defineKind({ ...base, name: "probe", topics, approvals: { ship: approval(choices) } });
    expect(kind([], [yes])).toThrow(/approval on 'ship' is on a topic the kind does not declare/);
    expect(kind(["ship"], [])).toThrow(/offers no choice/);
    expect(kind(["ship"], [{ name: "Yes!", label: "Yes" }])).toThrow(/choice "Yes!" must be/);
    expect(kind(["ship"], [yes, yes])).toThrow(/repeats a choice/);
    expect(kind(["ship"], [yes])).not.toThrow();
  });

  it("grants a link every choice by default, or those asked for, and no other", () => {
    const kind = defineKind({
      ...base,
      name: "probe",
      topics: ["ship", "chat"],
      approvals: { ship: approval([yes, { name: "no", label: "No" }]) },
    });
    expect(linkGrant(kind, "p-1", { topic: "ship" })).toEqual({
      workflow_id: "p-1",
      topic: "ship",
      choices: ["yes", "no"],
    });
    // In the declaration's order, whatever the request's.
    expect(linkGrant(kind, "p-1", { topic: "ship", choices: ["no", "yes"] }).choices).toEqual([
      "yes",
      "no",
    ]);
    expect(() => linkGrant(kind, "p-1", { topic: "ship", choices: ["maybe"] })).toThrow(
      "choices 'maybe' are not choices of this approval (its choices: 'yes', 'no')",
    );
    expect(() => linkGrant(kind, "p-1", { topic: "chat" })).toThrow(
      "takes no approval by link on topic 'chat' (its approval topics: 'ship')",
    );
  });
});

describe("the declared kinds", () => {
  it("declare the shape of the records of every stream their dashboard logs", () => {
    const logged = KINDS.filter((k) => k.dashboard?.log);
    expect(logged.map((k) => k.name).sort()).toEqual(["document-review", "order", "streaming"]);
    for (const kind of logged) expect(kind.dashboard!.log!.records).toBeDefined();
  });

  it("have unique names and stored workflow names", () => {
    const names = KINDS.map((k) => k.name);
    const stored = KINDS.map((k) => k.workflowName);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(stored).size).toBe(stored.length);
  });

  it("read their settings from the variables they declare, with their defaults", () => {
    const url = { DBOS_SYSTEM_DATABASE_URL: "postgres://u:p@localhost/db" };
    expect(kindSettingsOf(loadWorkerConfig(url)).messaging).toEqual({ recvTimeoutSeconds: 60 });
    const set = loadWorkerConfig({ ...url, RECV_TIMEOUT_SECONDS: "2.5" });
    expect(kindSettingsOf(set).messaging).toEqual({ recvTimeoutSeconds: 2.5 });
    expect(() => loadWorkerConfig({ ...url, RECV_TIMEOUT_SECONDS: "-1" })).toThrow(
      /RECV_TIMEOUT_SECONDS/,
    );
  });
});

describe("generateKinds", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "wfc-kinds-"));

  it("lists every declaration and its workflow from the files beside each other", () => {
    const kinds = dir();
    for (const file of ["order.ts", "order.workflow.ts", "late-fee.ts", "late-fee.workflow.ts"])
      writeFileSync(join(kinds, file), "export default {};\n");
    expect(generateKinds(kinds)).toEqual(["late-fee", "order"]);
    const index = readFileSync(join(kinds, "index.gen.ts"), "utf8");
    expect(index).toContain('import lateFee from "./late-fee.js";');
    expect(index).toContain("export const KINDS = [lateFee, order] as const;");
    const workflows = readFileSync(join(kinds, "workflows.gen.ts"), "utf8");
    expect(workflows).toContain('import order from "./order.workflow.js";');
  });

  it("names a declaration without its workflow, and a workflow without its declaration", () => {
    const kinds = dir();
    writeFileSync(join(kinds, "order.ts"), "export default {};\n");
    writeFileSync(join(kinds, "refund.workflow.ts"), "export default {};\n");
    expect(() => generateKinds(kinds)).toThrow(
      /order\.ts has no workflow: write order\.workflow\.ts beside it; refund\.workflow\.ts has no declaration/,
    );
  });
});
