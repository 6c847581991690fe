import { beforeAll } from "vitest";
import { evaluateStack } from "./evaluate.js";
import { StackGraph } from "./graph.js";

/** The two stages the graph tests deploy: production and a disposable one. */
export const STAGES = { production: "production", preview: "pr-7" } as const;
export type StageName = keyof typeof STAGES;

/**
 * `sst deploy` of both stages, evaluated by SST's own code against Pulumi's mocks (no AWS can be
 * reached from here), once per test file; each test reads the resources AWS would be asked to
 * create.
 */
export function deployedStages(): Record<StageName, StackGraph> {
  const graphs = {} as Record<StageName, StackGraph>;
  beforeAll(async () => {
    const [production, preview] = await Promise.all([
      evaluateStack({ stage: STAGES.production }),
      evaluateStack({ stage: STAGES.preview }),
    ]);
    graphs.production = new StackGraph(production);
    graphs.preview = new StackGraph(preview);
    console.log(`${graphs.production.summary("sst deploy --stage production")}\n`);
    console.log(graphs.preview.summary(`sst deploy --stage ${STAGES.preview}`));
  }, 120_000);
  return graphs;
}
