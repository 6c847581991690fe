import { describe, expect, it } from "vitest";
import { MAX_STEPS, nStepsSchema, workflowIdSchema } from "@wfc/core";

describe("workflow inputs", () => {
  it.each(["1", "7", String(MAX_STEPS)])("accepts n_steps %s", (value) => {
    expect(nStepsSchema.parse(value)).toBe(Number(value));
  });

  it.each(["0", "-1", "2.5", "abc", "", String(MAX_STEPS + 1), "1e9"])(
    "rejects n_steps %j",
    (value) => {
      expect(nStepsSchema.safeParse(value).success).toBe(false);
    },
  );

  it.each(["wf-events-1", "a", "client-msg-1700000000", "x.y_z:1", "A".repeat(128)])(
    "accepts workflow_id %j",
    (id) => {
      expect(workflowIdSchema.safeParse(id).success).toBe(true);
    },
  );

  it.each(["", "has space", "slash/inside", "ünïcode", "A".repeat(129), "semi;colon"])(
    "rejects workflow_id %j",
    (id) => {
      expect(workflowIdSchema.safeParse(id).success).toBe(false);
    },
  );
});
