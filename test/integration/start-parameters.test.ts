import { DBOS } from "@dbos-inc/dbos-sdk";
import { jsonStartPath, KINDS, startPath, type AnyKind } from "@wfc/core";
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

/** Every value `value` becomes with one of its leaves (a number, a text) changed. */
function variants(value: unknown): unknown[] {
  if (typeof value === "number") return [value + 1, value - 1];
  if (typeof value === "string") return [`${value}x`];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([name, child]) =>
    variants(child).map((changed) =>
      Array.isArray(value)
        ? value.map((item, i) => (String(i) === name ? changed : item))
        : { ...value, [name]: changed },
    ),
  );
}

/** The kind's example with one parameter changed to another value its declaration accepts. */
function otherParams(kind: AnyKind): Record<string, unknown> {
  const other = variants(kind.example).find((params) => kind.params.safeParse(params).success);
  if (other === undefined) throw new Error(`no other valid parameters for ${kind.name}`);
  return other as Record<string, unknown>;
}

type Route = "path" | "json";

/** A start's status and its body exactly as sent, by the kind's path route or its JSON route. */
async function start(
  kind: AnyKind,
  id: string,
  params: Record<string, unknown>,
  route: Route = "path",
) {
  const response =
    route === "path"
      ? await api.app.request(startPath(kind, id, params as never), { method: "POST" })
      : await api.app.request(jsonStartPath(kind, id), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(params),
        });
  return { status: response.status, text: await response.text() };
}

const routes = startable.flatMap((kind) =>
  (kind.pathRoute ? (["path", "json"] as const) : (["json"] as const)).map(
    (route) => [kind.name, route, kind] as const,
  ),
);

describe.each(routes)("starting an existing %s workflow by its %s route", (_, route, kind) => {
  {
    it("with the same parameters answers as the first start did, byte for byte", async () => {
      const id = `same-${kind.name}-${route}-${run}`;
      const first = await start(kind, id, kind.example as Record<string, unknown>, route);
      expect(first.status).toBe(200);
      expect(await start(kind, id, kind.example as Record<string, unknown>, route)).toEqual(first);
    });

    it("with other parameters is a 409 naming the ID, and the workflow keeps its own", async () => {
      const id = `other-${kind.name}-${route}-${run}`;
      const example = kind.example as Record<string, unknown>;
      expect((await start(kind, id, example, route)).status).toBe(200);
      const other = await start(kind, id, otherParams(kind), route);
      expect(other.status).toBe(409);
      expect(JSON.parse(other.text)).toEqual({
        detail: `Workflow '${id}' already exists with other parameters, which it keeps: start a new workflow_id, or repeat its own to get its answer`,
      });
      expect(await inspector.inputs(id)).toEqual([...kind.args(example as never)]);
    });
  }
});

describe.each(startable.filter((kind) => kind.pathRoute).map((kind) => [kind.name, kind] as const))(
  "a %s workflow started by its path route, then by its JSON route",
  (_, kind) => {
    it("with the same parameters answers the same 200; with others a 409", async () => {
      const id = `both-${kind.name}-${run}`;
      const example = kind.example as Record<string, unknown>;
      const first = await start(kind, id, example, "path");
      expect(first.status).toBe(200);
      expect(await start(kind, id, example, "json")).toEqual(first);
      expect((await start(kind, id, otherParams(kind), "json")).status).toBe(409);
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
