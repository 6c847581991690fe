import { defineKind } from "@wfc/core";
import { z } from "zod";

/**
 * A kind declared only in tests, so no stack has a route for it, and one no seed workflow
 * resembles: every input type, a label for some parameters only, a region that needs encoding in
 * a path, two topics, progress and a log. What the dashboard makes of a kind it was not written for.
 */
export const surveyKind = defineKind({
  name: "survey",
  workflowName: "survey_workflow",
  summary: "A kind the tests declare",
  params: z.object({
    region: z.string().min(2).max(12),
    rounds: z.coerce.number().int().min(2).max(9),
    ratio: z.coerce.number().max(1.5),
    dry_run: z.boolean(),
  }),
  example: { region: "eu west/1", rounds: 3, ratio: 0.5, dry_run: true },
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
