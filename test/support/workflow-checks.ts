import pg from "pg";
import type { createTestApi } from "./api.js";

type Api = ReturnType<typeof createTestApi>;

/** What a check found: how many values it expected, and how many were missing or repeated. */
export interface Tally {
  expected: number;
  lost: number;
  duplicates: number;
  problems: string[];
}

const fib = (n: number): number => {
  let [a, b] = [0, 1];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
};

const tally = (): Tally => ({ expected: 0, lost: 0, duplicates: 0, problems: [] });

/** Adds up several tallies. */
export function sum(tallies: Tally[]): Tally {
  return tallies.reduce(
    (t, x) => ({
      expected: t.expected + x.expected,
      lost: t.lost + x.lost,
      duplicates: t.duplicates + x.duplicates,
      problems: [...t.problems, ...x.problems],
    }),
    tally(),
  );
}

/**
 * A finished streaming workflow of `n` steps, read through the API as a client reads it:
 * exactly start, then progress and result for steps 1..n in order, then complete (2n+2 values),
 * closed; and in the table, offsets 0..2n+1 plus the close marker, without gap or repeat.
 */
export async function checkStream(api: Api, databaseUrl: string, id: string, n: number) {
  const t = tally();
  const expected = ["start"];
  for (let step = 1; step <= n; step++) expected.push(`progress ${step}`, `result ${step}`);
  expected.push("complete");
  t.expected = expected.length;

  const snapshot = await api.get(`/workflow-stream/${id}?offset=0`);
  const values = (snapshot.body.stream_values ?? []) as { type: string; step?: number }[];
  const seen = values.map((v) => (v.step === undefined ? v.type : `${v.type} ${v.step}`));
  const counts = new Map<string, number>();
  for (const key of seen) counts.set(key, (counts.get(key) ?? 0) + 1);
  t.lost += expected.filter((key) => !counts.has(key)).length;
  t.duplicates += [...counts.values()].reduce((d, c) => d + c - 1, 0);
  if (seen.join() !== expected.join()) t.problems.push(`${id}: stream is [${seen.join(", ")}]`);
  if (snapshot.body.total_messages !== 2 * n + 2)
    t.problems.push(`${id}: total_messages ${snapshot.body.total_messages}`);
  if (snapshot.body.closed !== true) t.problems.push(`${id}: stream not closed`);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ offset: string }>(
      `SELECT "offset" FROM dbos.streams WHERE workflow_uuid = $1 ORDER BY "offset"`,
      [id],
    );
    const offsets = rows.map((r) => Number(r.offset));
    // 2n+2 values and the close marker.
    const want = Array.from({ length: 2 * n + 3 }, (_, i) => i);
    if (offsets.join() !== want.join()) {
      t.problems.push(`${id}: offsets are [${offsets.join(", ")}]`);
      t.duplicates += offsets.length - new Set(offsets).size;
    }
  } finally {
    await client.end();
  }
  return t;
}

/**
 * A finished events workflow of `n` steps: its events at their final values (`status`
 * completed, `progress` 100, the right `result`) and its output holding each step once.
 */
export async function checkEvents(
  api: Api,
  id: string,
  n: number,
  output: { n: number; fibonacci: number }[],
) {
  const t = tally();
  t.expected = 3 + n;
  const total = Array.from({ length: n }, (_, i) => fib(28 + i)).reduce((a, b) => a + b, 0);
  const { body } = await api.get(`/workflow-events/${id}/all`);
  const want = {
    status: "completed",
    progress: 100,
    result: { total_steps: n, total_fibonacci: total },
  };
  for (const [key, value] of Object.entries(want)) {
    if (JSON.stringify(body.events?.[key]) !== JSON.stringify(value)) {
      t.lost += 1;
      t.problems.push(`${id}: event ${key} is ${JSON.stringify(body.events?.[key])}`);
    }
  }
  const steps = output.map((r) => r.n);
  t.lost += Array.from({ length: n }, (_, i) => 28 + i).filter((s) => !steps.includes(s)).length;
  t.duplicates += steps.length - new Set(steps).size;
  if (steps.join() !== Array.from({ length: n }, (_, i) => 28 + i).join())
    t.problems.push(`${id}: step outputs for [${steps.join(", ")}]`);
  return t;
}

/** A messaging workflow that must have received its approval: it ran all `n` steps. */
export function checkApproved(
  id: string,
  n: number,
  output: { status: string; results: unknown[] },
) {
  const t = tally();
  t.expected = 1;
  if (output.status !== "completed" || output.results.length !== n) {
    t.lost = 1;
    t.problems.push(`${id}: messaging output ${JSON.stringify(output)}`);
  }
  return t;
}
