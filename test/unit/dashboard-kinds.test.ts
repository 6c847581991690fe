import { KINDS, startPath, type AnyKind } from "@wfc/core";
import { describe, expect, it } from "vitest";
import { dashboardKind, dashboardKinds } from "../../functions/api/src/ui/kinds.js";
import { surveyKind } from "../support/survey-kind.js";

describe("the dashboard's description of a kind", () => {
  it("gives one input per start parameter, in order, typed, bounded and defaulted as declared", () => {
    expect(dashboardKind(surveyKind).inputs).toEqual([
      { param: "region", label: "region", type: "string", min: 2, max: 12, default: "eu west/1" },
      { param: "rounds", label: "Rounds", type: "integer", min: 2, max: 9, default: 3 },
      { param: "ratio", label: "ratio", type: "number", max: 1.5, default: 0.5 },
      { param: "dry_run", label: "dry_run", type: "boolean", default: true },
    ]);
  });

  it("gives each action its topic and message, and a notice that defaults to its label", () => {
    const { actions, progress, log } = dashboardKind(surveyKind);
    expect(actions).toEqual([
      { label: "Accept", topic: "verdict", message: { ok: true }, reject: false, done: "Accepted" },
      { label: "Note", topic: "comment", message: { note: true }, reject: false, done: "Note:" },
    ]);
    expect(progress).toEqual({ percent: "done_pct", status: null });
    expect(log).toEqual({ stream: "answers" });
  });

  it("builds the kind's start path from its prefix and segments, as the start route reads it", () => {
    const { prefix, segments } = dashboardKind(surveyKind);
    const values: Record<string, string> = {
      workflow_id: "s-1",
      region: "eu west/1",
      rounds: "3",
      ratio: "0.5",
      dry_run: "true",
    };
    const path = [prefix, ...segments.map((name) => encodeURIComponent(values[name]!))].join("/");
    expect(path).toBe(
      startPath(surveyKind, "s-1", { region: "eu west/1", rounds: 3, ratio: 0.5, dry_run: true }),
    );
    expect(path).toBe("/start-workflow-survey/s-1/eu%20west%2F1/3/0.5/true");
  });

  it("lists only the kinds a user can start, the seed's among them", () => {
    const described = dashboardKinds();
    expect(described.map((k) => k.name)).toEqual(
      (KINDS as readonly AnyKind[]).filter((k) => k.startable).map((k) => k.name),
    );
    expect(described.map((k) => k.name)).toEqual(
      expect.arrayContaining(["events", "messaging", "streaming"]),
    );
    expect(described.map((k) => k.name)).not.toContain("fanout-child");
    const messaging = described.find((k) => k.name === "messaging")!;
    expect(messaging.actions.map((a) => `${a.done} wf-1`)).toEqual([
      "Approved wf-1",
      "Rejected wf-1",
    ]);
    expect(dashboardKinds([...KINDS, surveyKind]).map((k) => k.name)).toContain("survey");
  });
});
