import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineKind, KINDS, loadWorkerConfig, kindSettingsOf } from "@wfc/core";
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
});

describe("the declared kinds", () => {
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
