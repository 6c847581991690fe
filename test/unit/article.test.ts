import { article, KINDS, kindWorkflow } from "@wfc/core";
import { describe, expect, it } from "vitest";

describe("the article before a kind's name", () => {
  it("is the one its first sound takes", () => {
    const cases = {
      order: "an",
      events: "an",
      "invoice-run": "an",
      upload: "an",
      streaming: "a",
      "document-review": "a",
      user: "a",
      unit: "a",
      "one-off": "a",
      eu: "a",
    };
    expect(Object.fromEntries(Object.keys(cases).map((word) => [word, article(word)]))).toEqual(
      cases,
    );
  });

  it("starts every message that names a kind, capitalised", () => {
    expect(kindWorkflow("order")).toBe("An 'order' workflow");
    expect(kindWorkflow("streaming")).toBe("A 'streaming' workflow");
    for (const { name } of KINDS) expect(kindWorkflow(name)).toMatch(/^An? '/);
  });
});
