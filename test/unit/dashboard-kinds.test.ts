import { defineKind, KINDS, startPath, type AnyKind } from "@wfc/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { dashboardKind, dashboardKinds } from "../../functions/api/src/ui/kinds.js";

// A kind no seed workflow resembles: every input type, a partial set of labels, two topics.
const survey = defineKind({
  name: "survey",
  workflowName: "survey_workflow",
  summary: "A kind for this test only",
  params: z.object({
    region: z.string().min(2).max(12),
    rounds: z.coerce.number().int().min(2).max(9),
    ratio: z.coerce.number().max(1.5),
    dry_run: z.boolean(),
  }),
  example: { region: "eu-west", rounds: 3, ratio: 0.5, dry_run: true },
  topics: ["verdict", "comment"],
  events: ["done_pct"],
  streams: ["answers"],
  answer: z.object({}),
  respond: () => ({}),
  dashboard: {
    labels: { rounds: "Rounds" },
    actions: [
      { label: "Accept", topic: "verdict", message: { ok: true }, done: "Accepted" },
      { label: "Note", topic: "comment", message: { note: true } },
    ],
    progress: { percent: "done_pct" },
    log: { stream: "answers", records: z.object({ type: z.string() }) },
  },
});

describe("the dashboard's description of a kind", () => {
  it("gives one input per start parameter, in order, typed, bounded and defaulted as declared", () => {
    expect(dashboardKind(survey).inputs).toEqual([
      { param: "region", label: "region", type: "string", min: 2, max: 12, default: "eu-west" },
      { param: "rounds", label: "Rounds", type: "integer", min: 2, max: 9, default: 3 },
      { param: "ratio", label: "ratio", type: "number", max: 1.5, default: 0.5 },
      { param: "dry_run", label: "dry_run", type: "boolean", default: true },
    ]);
  });

  it("gives each action its topic and message, and a notice that defaults to its label", () => {
    const { actions, progress, log } = dashboardKind(survey);
    expect(actions).toEqual([
      { label: "Accept", topic: "verdict", message: { ok: true }, reject: false, done: "Accepted" },
      { label: "Note", topic: "comment", message: { note: true }, reject: false, done: "Note:" },
    ]);
    expect(progress).toEqual({ percent: "done_pct", status: null });
    expect(log).toEqual({ stream: "answers" });
  });

  it("builds the kind's start path from its prefix and segments, as the start route reads it", () => {
    const { prefix, segments } = dashboardKind(survey);
    const values: Record<string, string> = {
      workflow_id: "s-1",
      region: "eu west/1",
      rounds: "3",
      ratio: "0.5",
      dry_run: "true",
    };
    const path = [prefix, ...segments.map((name) => encodeURIComponent(values[name]!))].join("/");
    expect(path).toBe(
      startPath(survey, "s-1", { region: "eu west/1", rounds: 3, ratio: 0.5, dry_run: true }),
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
    expect(dashboardKinds([...KINDS, survey]).map((k) => k.name)).toContain("survey");
  });
});
