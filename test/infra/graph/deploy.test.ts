import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LINKS } from "@wfc/core";
import { describe, expect, it } from "vitest";
import {
  API_ARCHITECTURE,
  API_HANDLER,
  API_LIVE_FUNCTION,
  API_MEMORY_MB,
  API_RUNTIME,
  LIVE_FEED_PATHS,
  PATHS_BESIDE_LIVE_FEEDS,
} from "../../../infra/api-function.js";
import { BACKLOG_METRIC as PUBLISHED } from "../../../functions/worker/src/backlog-metric.js";
import { QUEUE_NAME } from "@wfc/core";
import {
  BACKLOG_METRIC,
  BACKLOG_PER_TASK_TARGET,
  BACKLOG_SCALE_IN_COOLDOWN_SECONDS,
  BACKLOG_SCALE_OUT_COOLDOWN_SECONDS,
  WORKER_QUEUE,
} from "../../../infra/backlog-scaling-values.js";
import {
  API_DATABASE_ROLE,
  BACKLOG_METRIC_INTERVAL_SECONDS,
  SHUTDOWN_GRACE_SECONDS,
  STOP_TIMEOUT_SECONDS,
  WORKER_HEALTH_CHECK,
} from "../../../infra/worker-container.js";
import { evaluateStack, secretSentinel } from "../support/evaluate.js";
import { deployedStages, STAGES } from "../support/stages.js";
import { API_LINKS, asList, T } from "../support/graph.js";
import { MOCK, mockId, parameterArn, secretArn } from "../support/mocks.js";
import { connectionBudget } from "../../../infra/connection-budget.js";
import { releaseParameterName } from "../../../infra/release-names.js";

/** SST's components of the API's two functions: short calls, and live feeds. */
const FUNCTIONS = ["Api", API_LIVE_FUNCTION];

/** The version a deploy runs when APP_VERSION is unset (infra/stage.ts). */
const APP_VERSION = "1";

// `sst deploy` of two stages (see `deployedStages`); the database side is in deploy-database.test.ts.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const graphs = deployedStages();
const stages = STAGES;

describe.each(Object.keys(stages) as (keyof typeof stages)[])("sst deploy (%s)", (which) => {
  const g = () => graphs[which];
  const production = which === "production";

  describe("the API", () => {
    it("is two Lambda functions, Api and ApiLive, running the streaming entry of the Hono app", () => {
      expect(g().all(T.function)).toHaveLength(2);
      for (const component of FUNCTIONS) {
        const fn = g().apiFunction(component);
        expect(fn.inputs).toMatchObject({
          handler: API_HANDLER,
          runtime: API_RUNTIME,
          architectures: [API_ARCHITECTURE],
          memorySize: API_MEMORY_MB,
          timeout: 900,
        });
      }
      expect(API_HANDLER).toBe("functions/api/src/stream-handler.handler");
      // SST's build step found the file and its export, and bundled it (once per function).
      expect(g().evaluation.builds).toHaveLength(2);
      for (const build of g().evaluation.builds) {
        expect(build).toMatchObject({ handler: API_HANDLER });
        expect(build.bytes).toBeGreaterThan(10_000);
      }
    });

    it("runs both inside the VPC's private subnets, in the API's security group", () => {
      for (const component of FUNCTIONS) {
        const { vpcConfig } = g().apiFunction(component).inputs;
        expect(vpcConfig.subnetIds).toEqual(g().privateSubnetIds);
        expect(vpcConfig.securityGroupIds).toEqual([mockId("ApiSecurityGroup")]);
      }
    });

    it("gets its own database role and the secrets encrypted in its bundle, never in its environment", () => {
      for (const build of g().evaluation.builds) {
        // Not the master user's `Database`: the API connects as its own role.
        expect(build.links).toEqual(API_LINKS);
        expect(build.linkValues.ApiKeys).toMatchObject({ value: secretSentinel("ApiKeys") });
        expect(build.linkValues[LINKS.tokenKeys]).toMatchObject({
          value: secretSentinel("TokenKeys"),
        });
        expect(build.linkValues[LINKS.changeRelaySecret]).toMatchObject({
          value: MOCK.relaySecret,
        });
      }
      for (const component of FUNCTIONS) {
        const variables = g().functionEnvironment(component);
        expect(variables.SST_KEY_FILE).toBe("resource.enc");
        const environment = JSON.stringify(variables);
        for (const secret of [
          MOCK.password,
          MOCK.apiPassword,
          MOCK.relaySecret,
          secretSentinel("ApiKeys"),
          secretSentinel("WebhookSecret"),
          secretSentinel("TokenKeys"),
        ]) {
          expect(environment).not.toContain(secret);
        }
      }
    });

    it(`reaches the database ${production ? "through the RDS proxy" : "directly"}, as ${API_DATABASE_ROLE}`, () => {
      const link = g().evaluation.builds[0]!.linkValues[LINKS.apiDatabase]!;
      expect(link).toMatchObject({
        username: API_DATABASE_ROLE,
        password: MOCK.apiPassword,
        port: 5432,
        database: "dbos",
      });
      expect(link.host).toContain(production ? ".proxy-" : mockId("DatabaseInstance"));
    });

    it("is served over HTTPS by a regional REST API whose every route streams: live feeds to ApiLive, the rest to Api", () => {
      expect(g().one(T.restApi).inputs.endpointConfiguration).toEqual({ types: "REGIONAL" });
      const paths = g().resourcePaths();
      const name = (component: string) => g().apiFunction(component).inputs.name as string;
      const routes = g()
        .all(T.integration)
        .filter((i) => i.inputs.type === "AWS_PROXY")
        .map((integration) => {
          expect(integration.inputs).toMatchObject({
            responseTransferMode: "STREAM",
            timeoutMilliseconds: 900_000,
          });
          const target = /:function:([^/]+)\/response-streaming-invocations$/.exec(
            integration.inputs.uri as string,
          )?.[1];
          const path = paths.get(integration.inputs.resourceId as string) ?? "/";
          return `${integration.inputs.httpMethod as string} ${path} -> ${target ?? "?"}`;
        });
      // More specific resources win over `{proxy+}`: a live feed never reaches `Api`.
      expect(routes.sort()).toEqual(
        [
          `ANY / -> ${name("Api")}`,
          `ANY /{proxy+} -> ${name("Api")}`,
          ...PATHS_BESIDE_LIVE_FEEDS.map((path) => `ANY ${path} -> ${name("Api")}`),
          ...LIVE_FEED_PATHS.map((path) => `ANY ${path} -> ${name(API_LIVE_FUNCTION)}`),
        ].sort(),
      );
      // `Api` redirects a feed asked for at another path; `ApiLive` serves feeds wherever asked.
      expect(g().functionEnvironment().LIVE_FEED_PATHS_ONLY).toBe("true");
      expect(g().functionEnvironment(API_LIVE_FUNCTION).LIVE_FEED_PATHS_ONLY).toBeUndefined();
      expect(g().evaluation.outputs.apiFunction).toBe(name("Api"));
      expect(g().evaluation.outputs.apiLiveFunction).toBe(name(API_LIVE_FUNCTION));
      expect(g().evaluation.outputs.api).toMatch(
        new RegExp(
          `^https://.+\\.execute-api\\.${MOCK.region}\\.amazonaws\\.com/${stages[which]}/$`,
        ),
      );
    });

    it("may be invoked by API Gateway only, and its role only by Lambda", () => {
      for (const permission of g().all(T.permission)) {
        expect(permission.inputs).toMatchObject({
          action: "lambda:InvokeFunction",
          principal: "apigateway.amazonaws.com",
        });
      }
      for (const component of FUNCTIONS) {
        const role = g().policies(g().one(T.role, `${component}Role`));
        expect(role.trust).toEqual([
          expect.objectContaining({ Principal: { Service: "lambda.amazonaws.com" } }),
        ]);
        expect(role.inline).toEqual([]);
        expect(role.managed.map((arn) => arn.split("/").pop()).sort()).toEqual([
          "AWSLambdaBasicExecutionRole",
          "AWSLambdaVPCAccessExecutionRole",
        ]);
      }
    });

    it("is deployed only after a worker runs, so the schema exists before the first request", () => {
      const worker = g().one(T.ecsService);
      expect(worker.inputs.waitForSteadyState).toBe(true);
      for (const component of FUNCTIONS) {
        expect(g().apiFunction(component).dependencies).toContain(worker.urn);
      }
    });
  });

  describe("the worker", () => {
    it("is a Fargate service in private subnets, without a public IP, in its own group", () => {
      const service = g().one(T.ecsService).inputs;
      expect(service.launchType).toBe("FARGATE");
      expect(service.networkConfiguration).toEqual({
        assignPublicIp: false,
        subnets: g().privateSubnetIds,
        securityGroups: [mockId("WorkerSecurityGroup")],
      });
      expect(service.loadBalancers).toEqual([]);
      expect(service.enableExecuteCommand).toBe(false);
    });

    it(`scales between 1 and ${production ? 3 : 1} tasks`, () => {
      expect(g().one(T.scalingTarget).inputs).toMatchObject({
        minCapacity: 1,
        maxCapacity: production ? 3 : 1,
      });
      expect(connectionBudget(production).workerMaxTasks).toBe(production ? 3 : 1);
    });

    it(`scales out on CPU (70 %) and on its queue's backlog per task (${BACKLOG_PER_TASK_TARGET})`, () => {
      const target = g().one(T.scalingTarget).inputs;
      const policies = g().all(T.scalingPolicy);
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect(policy.inputs).toMatchObject({
          policyType: "TargetTrackingScaling",
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: target.resourceId,
        });
      }
      const { backlogPolicy } = g().worker(APP_VERSION);
      const cpu = policies.find((p) => p !== backlogPolicy)!.inputs;
      expect(cpu.targetTrackingScalingPolicyConfiguration).toMatchObject({
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        targetValue: 70,
      });

      const backlog = backlogPolicy.inputs.targetTrackingScalingPolicyConfiguration;
      const cluster = g().one(T.ecsCluster).inputs;
      const service = g().one(T.ecsService).inputs;
      expect(backlog).toEqual({
        targetValue: BACKLOG_PER_TASK_TARGET,
        scaleOutCooldown: BACKLOG_SCALE_OUT_COOLDOWN_SECONDS,
        scaleInCooldown: BACKLOG_SCALE_IN_COOLDOWN_SECONDS,
        customizedMetricSpecification: {
          metrics: [
            {
              id: "backlog",
              returnData: false,
              metricStat: {
                stat: "Maximum",
                metric: {
                  namespace: "WorkflowCommunication",
                  metricName: "QueueBacklog",
                  dimensions: [
                    { name: "Stage", value: stages[which] },
                    { name: "Queue", value: QUEUE_NAME },
                    // Its own version's workflows: no task of another version could run them.
                    { name: "Version", value: APP_VERSION },
                  ],
                },
              },
            },
            {
              id: "tasks",
              returnData: false,
              metricStat: {
                stat: "Average",
                metric: {
                  namespace: "ECS/ContainerInsights",
                  metricName: "RunningTaskCount",
                  dimensions: [
                    { name: "ClusterName", value: cluster.name },
                    { name: "ServiceName", value: service.name },
                  ],
                },
              },
            },
            { id: "backlogPerTask", label: "Backlog per task", expression: "backlog / tasks" },
          ],
        },
      });
      expect(cluster.name).toEqual(expect.any(String));
      expect(service.name).toEqual(expect.any(String));
      // RunningTaskCount exists only with Container Insights on.
      expect(cluster.settings).toEqual([{ name: "containerInsights", value: "enabled" }]);
    });

    it("publishes the backlog the policy reads, every minute, under its stage", () => {
      const environment = g().containerEnvironment();
      expect(environment.METRIC_STAGE).toBe(stages[which]);
      expect(environment.BACKLOG_METRIC_INTERVAL_MS).toBe(
        String(BACKLOG_METRIC_INTERVAL_SECONDS * 1000),
      );
      // infra repeats the worker's names: they must be the ones it prints.
      expect(BACKLOG_METRIC).toEqual({
        namespace: PUBLISHED.namespace,
        backlog: PUBLISHED.backlog,
        queueDimension: PUBLISHED.queueDimension,
        stageDimension: PUBLISHED.stageDimension,
        versionDimension: PUBLISHED.versionDimension,
      });
      expect(WORKER_QUEUE).toBe(QUEUE_NAME);
    });

    it("runs the image built from functions/worker/Dockerfile with the image's own command", () => {
      const image = g().one(T.image).inputs;
      expect(image.context.location).toBe(root.replace(/\/$/, ""));
      expect(image.dockerfile.location).toBe(join(root, "functions/worker/Dockerfile"));
      expect(existsSync(image.dockerfile.location)).toBe(true);
      const [container, ...others] = g().containers();
      expect(others).toEqual([]);
      expect(container!.image).toContain("@sha256:");
      expect(container!.command).toBeUndefined();
      expect(container!.entrypoint).toBeUndefined();
    });

    it("is health-checked and given more time to stop than its own grace period", () => {
      const [container] = g().containers();
      expect(container!.healthCheck.command).toEqual(WORKER_HEALTH_CHECK);
      expect(container!.stopTimeout).toBe(STOP_TIMEOUT_SECONDS);
      expect(STOP_TIMEOUT_SECONDS).toBeGreaterThan(SHUTDOWN_GRACE_SECONDS);
      const environment = Object.fromEntries(
        (container!.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]),
      );
      expect(environment.SHUTDOWN_GRACE_MS).toBe(String(SHUTDOWN_GRACE_SECONDS * 1000));
      // Both sides pin the same DBOS application version.
      const api = g().apiFunction().inputs.environment.variables;
      expect(environment.APP_VERSION).toBe(api.APP_VERSION);
    });

    it("gets its database URL, the API role's password, the relay's secret and the tokens' key ring as ECS secrets, not as plain environment", () => {
      const [container] = g().containers();
      const parameter = g().one(T.ssmParameter, "WorkerDatabaseUrl").inputs;
      expect(parameter.type).toBe("SecureString");
      // SST keeps the TokenKeys secret in its own state: the worker's copy is an encrypted
      // parameter holding the same value.
      const tokenKeys = g().one(T.ssmParameter, "WorkerTokenKeys").inputs;
      expect(tokenKeys).toMatchObject({
        type: "SecureString",
        value: secretSentinel("TokenKeys"),
        name: `/workflow-communication/${stages[which]}/worker/token-keys`,
      });
      const apiSecret = mockId("ApiDatabaseSecret");
      expect(container!.secrets).toEqual([
        { name: "DBOS_SYSTEM_DATABASE_URL", valueFrom: expect.stringContaining(parameter.name) },
        // The `password` key of the JSON secret the RDS proxy reads too.
        {
          name: "API_DATABASE_PASSWORD",
          valueFrom: expect.stringMatching(new RegExp(`:secret:${apiSecret}:password::$`)),
        },
        { name: "CHANGE_RELAY_SECRET", valueFrom: secretArn("ChangeRelaySecret") },
        { name: "TOKEN_KEYS", valueFrom: parameterArn(tokenKeys.name) },
      ]);
      expect(g().one(T.secretVersion, "ChangeRelaySecretVersion").inputs).toMatchObject({
        secretId: secretArn("ChangeRelaySecret"),
        secretString: MOCK.relaySecret,
      });
      const secrets = [MOCK.password, MOCK.apiPassword, MOCK.relaySecret];
      for (const secret of [...secrets, secretSentinel("TokenKeys")]) {
        expect(JSON.stringify(container!.environment)).not.toContain(secret);
      }
      expect(g().containerEnvironment()).not.toHaveProperty("TOKEN_KEYS");
      // A new ring changes the task definition, so ECS replaces tasks that read the old one.
      expect(g().containerEnvironment().TOKEN_KEYS_PARAMETER_VERSION).toBe("1");
      // The worker holds LISTEN connections: it connects to the instance, never the proxy.
      expect(parameter.value).toMatch(
        new RegExp(
          `^postgresql://postgres:${MOCK.password}@${mockId("DatabaseInstance")}\\..+:5432/dbos$`,
        ),
      );
    });

    it("may read exactly its four secrets at start-up, and its tasks may only delete their registry entry", () => {
      const worker = g().worker(APP_VERSION);
      const execution = g().policies(worker.executionRole);
      expect(execution.inline).toEqual([
        {
          Effect: "Allow",
          Action: ["ssm:GetParameters"],
          Resource: [
            expect.stringMatching(/:parameter\/workflow-communication\/.+\/worker\/database-url$/),
            parameterArn(g().one(T.ssmParameter, "WorkerTokenKeys").inputs.name as string),
          ],
        },
        {
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [secretArn("ApiDatabaseSecret"), secretArn("ChangeRelaySecret")],
        },
      ]);
      expect(execution.managed.map((arn) => arn.split("/").pop())).toEqual([
        "AmazonECSTaskExecutionRolePolicy",
      ]);
      const task = g().policies(worker.taskRole);
      // What the worker deletes when it retires (docs/operations/releases.md), and nothing else.
      const entry = releaseParameterName("workflow-communication", stages[which], APP_VERSION);
      expect(g().containerEnvironment().RELEASE_REGISTRY_PARAMETER).toBe(entry);
      expect(task.inline).toEqual([
        { Effect: "Allow", Action: ["ssm:DeleteParameter"], Resource: [parameterArn(entry)] },
      ]);
      expect(task.managed).toEqual([]);
    });

    it("is told the API's public URL, the base of the approval links it mints, though it starts first", () => {
      const url = g().containerEnvironment().PUBLIC_API_URL;
      expect(url).toBe(g().evaluation.outputs.api);
      expect(url).toBe(
        `https://${mockId("HttpApi")}.execute-api.${MOCK.region}.amazonaws.com/${stages[which]}/`,
      );
      // The gateway exists before the worker; its functions still wait for the worker. They start
      // the links they mint with the same URL (the request's own lacks the stage's path).
      const worker = g().one(T.ecsService);
      for (const component of FUNCTIONS) {
        expect(g().apiFunction(component).dependencies).toContain(worker.urn);
        expect(g().functionEnvironment(component).PUBLIC_API_URL).toBe(url);
      }
    });
  });

  describe("API Gateway's own answers", () => {
    it("are JSON in the API's error shape: 4XX, 5XX and throttling as 429", () => {
      const responses: Record<string, Record<string, any>> = Object.fromEntries(
        g()
          .all(T.gatewayResponse)
          .map((r) => [r.inputs.responseType, r.inputs]),
      );
      expect(Object.keys(responses).sort()).toEqual(["DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED"]);
      for (const response of Object.values(responses)) {
        expect(response.restApiId).toBe(mockId("HttpApi"));
        const template = response.responseTemplates["application/json"] as string;
        // What API Gateway renders: `messageString` is already a quoted JSON string.
        const rendered = JSON.parse(
          template.replace("$context.error.messageString", JSON.stringify("Forbidden")),
        );
        expect(Object.keys(rendered)).toEqual(["detail"]);
        expect(typeof rendered.detail).toBe("string");
        expect(response.responseParameters["gatewayresponse.header.Content-Type"]).toBe(
          "'application/json'",
        );
      }
      expect(responses.THROTTLED!.statusCode).toBe("429");
      expect(responses.THROTTLED!.responseParameters["gatewayresponse.header.Retry-After"]).toBe(
        "'1'",
      );
      expect(responses.DEFAULT_5XX!.responseTemplates["application/json"]).not.toContain(
        "$context",
      );
    });

    it("take effect with the deployment, which answers no CORS preflight itself", () => {
      const deployment = g().one("aws:apigateway/deployment:Deployment");
      for (const response of g().all(T.gatewayResponse)) {
        expect(deployment.dependencies).toContain(response.urn);
      }
      expect(deployment.inputs.triggers.gatewayResponses).toContain("DEFAULT_4XX");
      // The app decides CORS (CORS_ORIGINS): no MOCK integrations answering OPTIONS with `*`.
      expect(
        g()
          .all(T.integration)
          .map((i) => i.inputs.type),
      ).toEqual(
        Array(2 + PATHS_BESIDE_LIVE_FEEDS.length + LIVE_FEED_PATHS.length).fill("AWS_PROXY"),
      );
    });
  });

  describe("the network", () => {
    it("opens nothing to the internet: no group admits addresses from outside the VPC", () => {
      const vpc = g().one(T.vpc).inputs.cidrBlock as string;
      for (const group of [...g().all(T.securityGroup), ...g().all(T.defaultSecurityGroup)]) {
        for (const rule of group.inputs.ingress ?? []) {
          expect({ group: group.name, cidrs: rule.cidrBlocks ?? [vpc] }).toEqual({
            group: group.name,
            cidrs: [vpc],
          });
          expect(rule.ipv6CidrBlocks).toBeUndefined();
        }
      }
      expect(g().one(T.securityGroup, "ApiSecurityGroup").inputs.ingress).toBeUndefined();
    });

    it(`routes private subnets out through ${production ? "managed NAT gateways" : "NAT instances"}`, () => {
      expect(g().all(T.natGateway)).toHaveLength(production ? 2 : 0);
      expect(g().all(T.ec2Instance)).toHaveLength(production ? 0 : 2);
    });

    it("grants no role secret reads on every resource", () => {
      for (const { role, statement } of g().allStatements()) {
        const actions = asList(statement.Action);
        const wide = asList(statement.Resource).includes("*");
        const secretReads = actions.filter(
          (a) => /^(ssm:GetParameter|secretsmanager:Get|kms:Decrypt)/.test(a) || a === "*",
        );
        expect({ role, wide: wide && secretReads.length > 0 }).toEqual({ role, wide: false });
      }
    });
  });
});

describe("secrets", () => {
  it("must be set before a stage deploys: a missing one stops the deploy by name", async () => {
    const secrets = { ApiKeys: "k1", TokenKeys: "k1:mock" };
    await expect(evaluateStack({ stage: "pr-8", secrets })).rejects.toThrow(
      /Set a value for WebhookSecret with `sst secret set WebhookSecret <value>`/,
    );
  }, 60_000);
});
