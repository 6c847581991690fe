import { beforeAll, describe, expect, it } from "vitest";
import { API_LIVE_FUNCTION } from "../../../infra/api-function.js";
import { connectionBudget } from "../../../infra/connection-budget.js";
import { releaseParameterName, workerServiceName } from "../../../infra/release-names.js";
import { RELAY_PORT } from "../../../infra/worker-container.js";
import { evaluateStack } from "../support/evaluate.js";
import { StackGraph, T, type WorkerResources } from "../support/graph.js";
import { imageDigest, parameterArn } from "../support/mocks.js";

// A release on the production stage (docs/operations/releases.md), evaluated by SST's own code
// against Pulumi's mocks: version 1 deployed on an empty release registry, then version 2
// deployed while the registry lists version 1, then a third version while two are listed.
const STAGE = "production";
const APP = "workflow-communication";
const entry = (version: string) => releaseParameterName(APP, STAGE, version);
const budget = connectionBudget(true);

let first: StackGraph;
let release: StackGraph;
/** The image version 1's service runs after its own deploy: what its registry entry holds. */
let image1: string;

/**
 * An input as a later deploy would compare it: SST gives physical names a suffix of 8 random
 * letters, drawn afresh on every evaluation; a deploy keeps the deployed names (SST ignores
 * changes to them), so they are not a difference.
 */
const deployed = (inputs: unknown) =>
  JSON.parse(JSON.stringify(inputs).replace(/-[abcdefhkmnorstuvwxz]{8}(?![a-z])/g, "-<random>"));

const environment = (g: StackGraph, worker: WorkerResources) =>
  g.containerEnvironment(worker.taskDefinition);
const imageOf = (g: StackGraph, worker: WorkerResources) =>
  g.containers(worker.taskDefinition)[0]!.image as string;

beforeAll(async () => {
  first = new StackGraph(await evaluateStack({ stage: STAGE, appVersion: "1" }));
  image1 = imageOf(first, first.worker("1"));
  release = new StackGraph(
    await evaluateStack({ stage: STAGE, appVersion: "2", parameters: { [entry("1")]: image1 } }),
  );
  console.log(release.summary(`APP_VERSION=2 sst deploy --stage ${STAGE}, version 1 draining`));
}, 180_000);

describe("the first deploy of a version (an empty release registry)", () => {
  it("runs one worker service, of that version, built from source", () => {
    const worker = first.worker("1");
    expect(first.all(T.ecsService)).toEqual([worker.service]);
    expect(worker.service.inputs.name).toBe(workerServiceName("1"));
    expect(environment(first, worker).APP_VERSION).toBe("1");
    expect(worker.images).toHaveLength(1);
    expect(image1).toBe(
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/sst-asset@${imageDigest(worker.images[0]!.name)}`,
    );
  });

  it("registers the image its service runs, once the service is steady, and keeps the entry when a later deploy drops it", () => {
    const worker = first.worker("1");
    const [registered, ...others] = first
      .all(T.ssmParameter)
      .filter((p) => p.name.endsWith("Release"));
    expect(others).toEqual([]);
    expect(registered!.inputs).toMatchObject({ name: entry("1"), type: "String", value: image1 });
    expect(registered!.retainOnDelete).toBe(true);
    expect(registered!.dependencies).toContain(worker.service.urn);
    expect(worker.service.inputs.waitForSteadyState).toBe(true);
  });

  it("keeps its pushed image in ECR when a later deploy stops building it, tagged for this stage alone", () => {
    const [image] = first.worker("1").images;
    // Deleting a docker-build Image deletes its digest from the repository.
    expect(image!.retainOnDelete).toBe(true);
    expect(image!.inputs.tags).toContain(
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/sst-asset:${APP}-${STAGE}-workerv1`,
    );
  });
});

describe("a release: version 2 deployed while the registry lists version 1", () => {
  const v1 = () => release.worker("1");
  const v2 = () => release.worker("2");

  it("runs two services: version 2 built from source, version 1 on exactly the image the registry lists", () => {
    expect(release.all(T.ecsService).map((s) => s.name)).toEqual(
      [v1().service.name, v2().service.name].sort(),
    );
    expect(imageOf(release, v1())).toBe(image1);
    expect(v1().images).toEqual([]);
    expect(v2().images).toHaveLength(1);
    expect(imageOf(release, v2())).toContain(imageDigest(v2().images[0]!.name));
    expect(imageOf(release, v2())).not.toBe(image1);
  });

  it("leaves version 1's service, task definition and roles as its own deploy declared them", () => {
    const before = first.worker("1");
    const after = v1();
    for (const part of ["service", "taskDefinition", "taskRole", "executionRole"] as const) {
      expect({ part, inputs: deployed(after[part].inputs) }).toEqual({
        part,
        inputs: deployed(before[part].inputs),
      });
    }
    // Only its scaling maximum drops, to the draining service's.
    expect(deployed(after.scalingTarget.inputs)).toEqual({
      ...deployed(before.scalingTarget.inputs),
      maxCapacity: budget.drainingWorkerMaxTasks,
    });
  });

  it("tells version 1's workers their version and registry entry, which their tasks alone may delete", () => {
    expect(environment(release, v1())).toMatchObject({
      APP_VERSION: "1",
      RELEASE_REGISTRY_PARAMETER: entry("1"),
    });
    expect(environment(release, v2())).toMatchObject({
      APP_VERSION: "2",
      RELEASE_REGISTRY_PARAMETER: entry("2"),
    });
    for (const [worker, version] of [
      [v1(), "1"],
      [v2(), "2"],
    ] as const) {
      const role = release.policies(worker.taskRole);
      expect(role.inline).toEqual([
        {
          Effect: "Allow",
          Action: ["ssm:DeleteParameter"],
          Resource: [parameterArn(entry(version))],
        },
      ]);
      expect(role.managed).toEqual([]);
    }
  });

  it("declares only version 2's registry entry: version 1's stays in AWS until its worker retires", () => {
    const entries = release.all(T.ssmParameter).filter((p) => p.name.endsWith("Release"));
    expect(entries.map((p) => p.inputs.name)).toEqual([entry("2")]);
    expect(entries[0]!.inputs.value).toBe(imageOf(release, v2()));
    expect(entries[0]!.retainOnDelete).toBe(true);
    expect(entries[0]!.dependencies).toContain(v2().service.urn);
  });

  it("switches the API to version 2, and to its relay, only after version 2's service is steady", () => {
    expect(v2().service.inputs.waitForSteadyState).toBe(true);
    const namespace = release.one(T.cloudmapNamespace).inputs.name as string;
    for (const component of ["Api", API_LIVE_FUNCTION]) {
      const fn = release.apiFunction(component);
      expect(fn.inputs.environment.variables.APP_VERSION).toBe("2");
      expect(fn.dependencies).toContain(v2().service.urn);
      expect(fn.inputs.environment.variables.CHANGE_RELAY_URL).toBe(
        `http://${v2().cloudmap.inputs.name}.${namespace}:${RELAY_PORT}`,
      );
    }
    // Version 1 keeps its own Cloud Map entry, which nothing calls.
    expect(v1().cloudmap.inputs.name).toBe(`${workerServiceName("1")}.${STAGE}.${APP}`);
  });

  it("scales each service on its own version's backlog and its own running tasks", () => {
    for (const [worker, version] of [
      [v1(), "1"],
      [v2(), "2"],
    ] as const) {
      const [backlog, tasks] = worker.backlogPolicy.inputs.targetTrackingScalingPolicyConfiguration
        .customizedMetricSpecification.metrics as {
        metricStat: { metric: { dimensions: { name: string; value: string }[] } };
      }[];
      expect(backlog!.metricStat.metric.dimensions).toEqual([
        { name: "Stage", value: STAGE },
        { name: "Queue", value: "example-queue" },
        { name: "Version", value: version },
      ]);
      expect(tasks!.metricStat.metric.dimensions).toContainEqual({
        name: "ServiceName",
        value: worker.service.inputs.name,
      });
      expect(worker.backlogPolicy.inputs.resourceId).toBe(worker.scalingTarget.inputs.resourceId);
    }
    expect(v2().scalingTarget.inputs.maxCapacity).toBe(budget.workerMaxTasks);
    expect(v1().scalingTarget.inputs.maxCapacity).toBe(budget.drainingWorkerMaxTasks);
  });

  it("keeps the connection budget: every task both services may run at once fits below max_connections", () => {
    const tasksAtOnce = [v1(), v2()]
      .map(
        (w) =>
          (w.scalingTarget.inputs.maxCapacity * w.service.inputs.deploymentMaximumPercent) / 100,
      )
      .reduce((a, b) => a + b, 0);
    expect(tasksAtOnce).toBe(budget.workerTasksAtOnce);
    for (const worker of [v1(), v2()]) {
      expect(environment(release, worker)).toMatchObject({
        DB_POOL_SIZE: environment(release, v2()).DB_POOL_SIZE,
        RELAY_POOL_SIZE: environment(release, v2()).RELAY_POOL_SIZE,
      });
    }
    expect(budget.workers).toBe(tasksAtOnce * budget.workerConnectionsPerTask);
    expect(budget.total).toBeLessThan(budget.maxConnections);
  });
});

describe("a deploy while two other versions are still listed", () => {
  it("fails the deploy, naming both versions and where to watch them drain", async () => {
    await expect(
      evaluateStack({
        stage: STAGE,
        appVersion: "3",
        parameters: { [entry("1")]: image1, [entry("2")]: `${image1}-2` },
      }),
    ).rejects.toThrow(
      /Cannot deploy version 3: versions 1, 2 are all still draining, and at most one other version may run beside the one deployed\. Watch their in-flight workflows with GET \/versions/,
    );
  }, 60_000);
});

describe("a redeploy of the current version (the registry lists it alone)", () => {
  it("runs its one service, declared as on its first deploy", async () => {
    const again = new StackGraph(
      await evaluateStack({ stage: STAGE, appVersion: "1", parameters: { [entry("1")]: image1 } }),
    );
    expect(again.all(T.ecsService).map((s) => s.name)).toEqual([first.worker("1").service.name]);
    expect(deployed(again.worker("1").taskDefinition.inputs)).toEqual(
      deployed(first.worker("1").taskDefinition.inputs),
    );
  }, 60_000);
});
