import { DBOS } from "@dbos-inc/dbos-sdk";
import { KINDS, startPath, type AnyKind } from "@wfc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInspector, createTestApi } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";

// Starting an ID that exists: the same parameters get the same answer (nothing runs twice);
// other parameters, which the workflow would never use, are a 409. No worker: what is stored at
// the start is what a worker would run.
let api: ReturnType<typeof createTestApi>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
const run = Date.now().toString(36);

beforeAll(async () => {
  const url = await createTestDatabase();
  await DBOS.migrate(url);
  api = createTestApi(url);
  inspector = await createInspector(url);
});

afterAll(async () => {
  await inspector?.close();
  await api?.close();
});

const startable = (KINDS as readonly AnyKind[]).filter((kind) => kind.startable);

/** The kind's example with one parameter changed to another value its declaration accepts. */
function otherParams(kind: AnyKind): Record<string, unknown> {
  const example = kind.example as Record<string, unknown>;
  for (const [name, value] of Object.entries(example)) {
    const candidates = typeof value === "number" ? [value + 1, value - 1] : [`${String(value)}x`];
    for (const candidate of candidates) {
      const other = { ...example, [name]: candidate };
      if (kind.params.safeParse(other).success) return other;
    }
  }
  throw new Error(`no other valid parameters for ${kind.name}`);
}

/** A start's status and its body exactly as sent. */
async function start(kind: AnyKind, id: string, params: Record<string, unknown>) {
  const response = await api.app.request(startPath(kind, id, params as never), { method: "POST" });
  return { status: response.status, text: await response.text() };
}

describe.each(startable.map((kind) => [kind.name, kind] as const))(
  "starting an existing %s workflow",
  (_, kind) => {
    it("with the same parameters answers as the first start did, byte for byte", async () => {
      const id = `same-${kind.name}-${run}`;
      const first = await start(kind, id, kind.example as Record<string, unknown>);
      expect(first.status).toBe(200);
      expect(await start(kind, id, kind.example as Record<string, unknown>)).toEqual(first);
    });

    it("with other parameters is a 409 naming the ID, and the workflow keeps its own", async () => {
      const id = `other-${kind.name}-${run}`;
      const example = kind.example as Record<string, unknown>;
      expect((await start(kind, id, example)).status).toBe(200);
      const other = await start(kind, id, otherParams(kind));
      expect(other.status).toBe(409);
      expect(JSON.parse(other.text)).toEqual({
        detail: `Workflow '${id}' already exists with other parameters, which it keeps: start a new workflow_id, or repeat its own to get its answer`,
      });
      expect(await inspector.inputs(id)).toEqual([...kind.args(example as never)]);
    });
  },
);

describe("concurrent starts of one ID with different parameters", () => {
  it("answer 200 only to those whose parameters the workflow runs with, 409 to the rest", async () => {
    const review = startable.find((kind) => kind.name === "document-review")!;
    const id = `race-${run}`;
    const pages = [1, 2, 3, 4, 5, 6, 7, 8];
    const answers = await Promise.all(pages.map((n) => start(review, id, { pages: n })));
    const [stored] = (await inspector.inputs(id)) as [number];
    expect(answers.map((answer) => answer.status)).toEqual(
      pages.map((n) => (n === stored ? 200 : 409)),
    );
    expect(JSON.parse(answers[pages.indexOf(stored)]!.text)).toMatchObject({ pages: stored });
  });
});
