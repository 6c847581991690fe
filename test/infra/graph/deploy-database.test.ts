import { describe, expect, it } from "vitest";
import { API_LIVE_FUNCTION } from "../../../infra/api-function.js";
import { API_DATABASE_ROLE, RELAY_HOST, RELAY_PORT } from "../../../infra/worker-container.js";
import {
  connectionBudget,
  DEPLOYMENT_MAXIMUM_PERCENT,
  PROXY_BORROW_TIMEOUT_SECONDS,
  WORKER_CONNECTIONS_PER_TASK,
} from "../../../infra/connection-budget.js";
import { T } from "../support/graph.js";
import { MOCK, mockId, secretArn } from "../support/mocks.js";
import { deployedStages, STAGES, type StageName } from "../support/stages.js";

// `sst deploy` of two stages (see `deployedStages`): the database, the change relay, the API's
// database role and the connection budget. The rest of the shape is in deploy.test.ts.
const graphs = deployedStages();

describe.each(Object.keys(STAGES) as StageName[])("sst deploy (%s)", (which) => {
  const g = () => graphs[which];
  const production = which === "production";
  const budget = () => connectionBudget(production);

  describe("the database", () => {
    it("is a private, encrypted RDS PostgreSQL in its own security group", () => {
      const instance = g().one(T.dbInstance).inputs;
      expect(instance).toMatchObject({
        engine: "postgres",
        publiclyAccessible: false,
        storageEncrypted: true,
        multiAz: production,
        vpcSecurityGroupIds: [mockId("DatabaseSecurityGroup")],
      });
    });

    it("admits PostgreSQL connections only from the API's and the worker's groups", () => {
      const { ingress } = g().one(T.securityGroup, "DatabaseSecurityGroup").inputs;
      expect(ingress).toEqual([
        expect.objectContaining({
          protocol: "tcp",
          fromPort: 5432,
          toPort: 5432,
          securityGroups: [mockId("ApiSecurityGroup"), mockId("WorkerSecurityGroup")],
        }),
        // In production the proxy, in the same group, reaches the instance.
        ...(production ? [expect.objectContaining({ self: true, fromPort: 5432 })] : []),
      ]);
      for (const rule of ingress) expect(rule.cidrBlocks).toBeUndefined();
    });

    it(`${production ? "has" : "has no"} RDS proxy`, () => {
      const proxies = g().all(T.dbProxy);
      expect(proxies).toHaveLength(production ? 1 : 0);
      if (production) {
        expect(proxies[0]!.inputs.vpcSecurityGroupIds).toEqual([mockId("DatabaseSecurityGroup")]);
        expect(proxies[0]!.inputs.vpcSubnetIds).toEqual(g().privateSubnetIds);
      }
    });

    it(
      production
        ? "is kept on removal, protected from deletion, and snapshotted"
        : "is disposable: removed with the stage, without a final snapshot",
      () => {
        const instance = g().one(T.dbInstance);
        expect(instance.retainOnDelete).toBe(production);
        expect(instance.inputs.deletionProtection).toBe(production);
        expect(instance.inputs.skipFinalSnapshot).toBe(!production);
        expect(g().evaluation.outputs._protect).toBe(production);
      },
    );

    it("keeps its password out of everything but RDS and the two secret stores", () => {
      const holders = g()
        .containing(MOCK.password)
        .map((r) => r.type)
        .sort();
      expect(holders).toEqual(
        [T.dbInstance, "aws:secretsmanager/secretVersion:SecretVersion", T.ssmParameter].sort(),
      );
      expect(JSON.stringify(g().evaluation.outputs)).not.toContain(MOCK.password);
    });
  });

  describe("the change relay", () => {
    it("is reachable on its port from the API's security group only", () => {
      expect(g().one(T.securityGroup, "WorkerSecurityGroup").inputs.ingress).toEqual([
        expect.objectContaining({
          protocol: "tcp",
          fromPort: RELAY_PORT,
          toPort: RELAY_PORT,
          securityGroups: [mockId("ApiSecurityGroup")],
        }),
      ]);
      const environment = g().containerEnvironment();
      expect(environment).toMatchObject({ RELAY_PORT: String(RELAY_PORT), RELAY_HOST });
      expect(RELAY_HOST).toBe("0.0.0.0");
    });

    it("is found by the API under the worker service's Cloud Map name", () => {
      const cloudmap = g().one(T.cloudmapService);
      const namespace = g().one(T.cloudmapNamespace).inputs.name as string;
      expect(cloudmap.inputs.name).toBe(`WorkerV1.${STAGES[which]}.workflow-communication`);
      expect(cloudmap.inputs.dnsConfig.dnsRecords).toEqual([{ ttl: 60, type: "A" }]);
      // Every task registers its address under that name.
      expect(g().one(T.ecsService).inputs.serviceRegistries).toEqual({
        registryArn: expect.stringContaining(mockId("WorkerV1CloudmapService")),
      });
      for (const component of ["Api", API_LIVE_FUNCTION]) {
        expect(g().functionEnvironment(component).CHANGE_RELAY_URL).toBe(
          `http://${cloudmap.inputs.name}.${namespace}:${RELAY_PORT}`,
        );
      }
      // The relay answers under that name only (a rebound name is refused).
      expect(g().containerEnvironment().RELAY_ALLOWED_HOSTS).toBe(
        `${cloudmap.inputs.name}.${namespace}`,
      );
    });
  });

  describe("the API's database role", () => {
    it(`is ${API_DATABASE_ROLE}, with a generated password kept only in its secret`, () => {
      const secret = g().one(T.secretVersion, "ApiDatabaseSecretVersion").inputs;
      expect(secret.secretId).toBe(secretArn("ApiDatabaseSecret"));
      // The RDS proxy's auth format.
      expect(JSON.parse(secret.secretString as string)).toEqual({
        username: API_DATABASE_ROLE,
        password: MOCK.apiPassword,
      });
      expect(g().one(T.secret, "ApiDatabaseSecret").inputs.recoveryWindowInDays).toBe(0);
      expect(
        g()
          .containing(MOCK.apiPassword)
          .map((r) => r.name),
      ).toEqual(["ApiDatabaseSecretVersion"]);
      expect(JSON.stringify(g().evaluation.outputs)).not.toContain(MOCK.apiPassword);
    });

    it("is created by the worker, which is told its name and connection limit", () => {
      expect(g().containerEnvironment()).toMatchObject({
        API_DATABASE_ROLE,
        API_DATABASE_CONNECTION_LIMIT: String(budget().apiRoleConnectionLimit),
      });
    });

    if (production) {
      it("is authenticated by the RDS proxy, whose role may read exactly the two secrets", () => {
        const proxy = g().one(T.dbProxy).inputs;
        const master = secretArn("DatabaseProxySecret");
        const api = secretArn("ApiDatabaseSecret");
        expect(proxy.auths).toEqual([
          expect.objectContaining({
            authScheme: "SECRETS",
            iamAuth: "DISABLED",
            secretArn: master,
          }),
          expect.objectContaining({ authScheme: "SECRETS", iamAuth: "DISABLED", secretArn: api }),
        ]);
        const role = g().policies(g().one(T.role, "DatabaseProxyRole"));
        expect(role.trust).toEqual([
          expect.objectContaining({ Principal: { Service: "rds.amazonaws.com" } }),
        ]);
        expect(role.inline).toEqual([
          { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [master, api] },
        ]);
        expect(role.managed).toEqual([]);
      });
    }
  });

  describe("the connection budget", () => {
    const b = () => budget();

    it("adds up to less than the instance's max_connections", () => {
      const { reserved, operators, workers, api, total, maxConnections } = b();
      expect(reserved + operators + workers + api).toBe(total);
      expect(total).toBeLessThan(maxConnections);
      console.log(
        `${which}: max_connections ${maxConnections} > ${total} = reserved ${reserved} + ` +
          `operators ${operators} + workers ${b().workerTasksAtOnce} x ${b().workerConnectionsPerTask}` +
          ` + API ${api} (headroom ${b().headroom})`,
      );
    });

    it("sets max_connections on the instance's parameter group", () => {
      const group = g().one(T.dbParameterGroup);
      const instance = g().one(T.dbInstance).inputs;
      expect(instance.parameterGroupName).toBe(group.inputs.name);
      expect(instance.instanceClass).toBe(`db.${b().instance}`);
      expect(group.inputs.parameters).toContainEqual({
        name: "max_connections",
        value: String(b().maxConnections),
        applyMethod: "pending-reboot",
      });
    });

    it("counts the worker's pools and tasks as deployed, and a draining version's, twice the tasks during a deploy", () => {
      const environment = g().containerEnvironment();
      expect(environment.DB_POOL_SIZE).toBe(String(WORKER_CONNECTIONS_PER_TASK.dbosPool));
      expect(environment.RELAY_POOL_SIZE).toBe(String(WORKER_CONNECTIONS_PER_TASK.relayPool));
      expect(b().workerConnectionsPerTask).toBe(10 + 1 + 4 + 1 + 1);
      expect(g().one(T.scalingTarget).inputs.maxCapacity).toBe(b().workerMaxTasks);
      const service = g().one(T.ecsService).inputs;
      expect(service.deploymentMaximumPercent).toBe(DEPLOYMENT_MAXIMUM_PERCENT);
      // The draining version's service (test/infra/graph/release.test.ts) is counted too.
      expect(b().workerTasksAtOnce).toBe(
        ((b().workerMaxTasks + b().drainingWorkerMaxTasks) * service.deploymentMaximumPercent) /
          100,
      );
    });

    it("bounds each API function's environments (live feeds apart from short calls) and each one's pool", () => {
      const reserved = (component: string) =>
        g().apiFunction(component).inputs.reservedConcurrentExecutions as number;
      expect(reserved("Api")).toBe(b().apiReservedConcurrency);
      expect(reserved(API_LIVE_FUNCTION)).toBe(b().apiLiveReservedConcurrency);
      for (const component of ["Api", API_LIVE_FUNCTION]) {
        expect(g().functionEnvironment(component).DB_POOL_SIZE).toBe(String(b().apiDbPoolSize));
      }
      if (!production) {
        // Direct connections: every environment's whole pool, of both functions, fits the
        // role's limit.
        expect(
          (b().apiReservedConcurrency + b().apiLiveReservedConcurrency) * b().apiDbPoolSize,
        ).toBeLessThanOrEqual(b().apiRoleConnectionLimit);
      }
    });

    if (production) {
      it("caps the RDS proxy at its share of max_connections, the role's limit", () => {
        const { connectionPoolConfig } = g().one(T.proxyTargetGroup).inputs;
        expect(connectionPoolConfig).toEqual({
          maxConnectionsPercent: b().proxyMaxConnectionsPercent,
          maxIdleConnectionsPercent: b().proxyMaxConnectionsPercent,
          connectionBorrowTimeout: PROXY_BORROW_TIMEOUT_SECONDS,
        });
        const cap = Math.floor(
          (b().maxConnections * connectionPoolConfig.maxConnectionsPercent) / 100,
        );
        expect(b().proxyMaxConnections).toBe(cap);
        expect(b().apiRoleConnectionLimit).toBe(cap);
        expect(b().api).toBe(cap);
      });
    }
  });
});
