import { LINKS } from "@wfc/core";
import { workerServiceName } from "../../../infra/release-names.js";
import type { Evaluation } from "./evaluate.js";
import { mockId } from "./mocks.js";
import type { Registration } from "./registration.js";

/**
 * What the API functions are linked to, deployed and under `sst dev` alike, sorted: their own
 * database role (never the master user's `Database`) and their secrets.
 */
export const API_LINKS = [
  LINKS.apiDatabase,
  LINKS.apiKeys,
  LINKS.webhookSecret,
  LINKS.tokenKeys,
  LINKS.changeRelaySecret,
].sort();

/** Short names for the resource types the assertions talk about. */
export const T = {
  function: "aws:lambda/function:Function",
  permission: "aws:lambda/permission:Permission",
  restApi: "aws:apigateway/restApi:RestApi",
  apiResource: "aws:apigateway/resource:Resource",
  method: "aws:apigateway/method:Method",
  integration: "aws:apigateway/integration:Integration",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  natGateway: "aws:ec2/natGateway:NatGateway",
  ec2Instance: "aws:ec2/instance:Instance",
  dbInstance: "aws:rds/instance:Instance",
  dbProxy: "aws:rds/proxy:Proxy",
  dbParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  proxyTargetGroup: "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  gatewayResponse: "aws:apigateway/response:Response",
  cloudmapService: "aws:servicediscovery/service:Service",
  cloudmapNamespace: "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
  ssmParameter: "aws:ssm/parameter:Parameter",
  ecsService: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  ecsCluster: "aws:ecs/cluster:Cluster",
  image: "docker-build:index:Image",
  role: "aws:iam/role:Role",
  devCommand: "sst:sst:DevCommand",
  linkRef: "sst:sst:LinkRef",
} as const;

/** One statement of an IAM policy document, as AWS reads it. */
export interface PolicyStatement {
  Effect: string;
  Action?: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string | string[]>;
}

/** An IAM field that may be one string or a list, as a list. */
export const asList = (v: string | string[] | undefined) => (v === undefined ? [] : [v].flat());

/** The resources SST declares for one version's worker service. */
export interface WorkerResources {
  /** The component's name (`WorkerV2`). */
  name: string;
  service: Registration;
  taskDefinition: Registration;
  taskRole: Registration;
  executionRole: Registration;
  scalingTarget: Registration;
  /** The backlog policy (infra/worker-scaling.ts); SST's CPU policy is beside it. */
  backlogPolicy: Registration;
  cloudmap: Registration;
  /** The image built from source: none for a draining version. */
  images: Registration[];
}

/** Queries over one evaluated stage. */
export class StackGraph {
  constructor(readonly evaluation: Evaluation) {}

  /** Resources AWS would create (not SST's components). */
  get resources(): Registration[] {
    return this.evaluation.registrations.filter((r) => r.custom);
  }

  all(type: string): Registration[] {
    return this.evaluation.registrations.filter((r) => r.type === type);
  }

  /** The one resource of `type` (named `name`, if given). @throws unless exactly one. */
  one(type: string, name?: string): Registration {
    const found = this.all(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
      throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    }
    return found[0]!;
  }

  /** Ids of the VPC's private subnets. */
  get privateSubnetIds(): string[] {
    return this.all(T.subnet)
      .filter((s) => s.name.includes("PrivateSubnet"))
      .map((s) => mockId(s.name));
  }

  /** The Lambda function of SST's `component` (`Api`, or the live feeds' `ApiLive`). */
  apiFunction(component = "Api"): Registration {
    return this.one(T.function, `${component}Function`);
  }

  /** The environment variables of the API's function (or of `component`'s). */
  functionEnvironment(component = "Api"): Record<string, string> {
    return this.apiFunction(component).inputs.environment.variables;
  }

  /** Each REST API resource's full path (`/workflow-stream/{workflow_id}/live`), by its id. */
  resourcePaths(): Map<string, string> {
    const resources = this.all(T.apiResource);
    const byId = new Map(resources.map((r) => [mockId(r.name), r]));
    const path = (r: Registration): string => {
      const parent = byId.get(r.inputs.parentId as string);
      return `${parent ? path(parent) : ""}/${r.inputs.pathPart as string}`;
    };
    return new Map(resources.map((r) => [mockId(r.name), path(r)]));
  }

  /** The worker service of application version `version`. @throws unless it is declared. */
  worker(version: string): WorkerResources {
    const name = workerServiceName(version);
    const child = (type: string, suffix: string) => this.one(type, `${name}${suffix}`);
    return {
      name,
      service: child(T.ecsService, "Service"),
      taskDefinition: child(T.taskDefinition, "Task"),
      taskRole: child(T.role, "TaskRole"),
      executionRole: child(T.role, "ExecutionRole"),
      scalingTarget: child(T.scalingTarget, "AutoScalingTarget"),
      backlogPolicy: child(T.scalingPolicy, "BacklogScaling"),
      cloudmap: child(T.cloudmapService, "CloudmapService"),
      images: this.all(T.image).filter((r) => r.name.startsWith(`${name}Image`)),
    };
  }

  /** The (one) container's environment variables, by name, of a task definition (the one). */
  containerEnvironment(taskDefinition = this.one(T.taskDefinition)): Record<string, string> {
    const [container] = this.containers(taskDefinition);
    return Object.fromEntries(
      (container!.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
  }

  /** The containers of a task definition (the one), parsed. */
  containers(taskDefinition = this.one(T.taskDefinition)): Record<string, any>[] {
    return JSON.parse(taskDefinition.inputs.containerDefinitions as string);
  }

  /** Every resource whose inputs (as AWS would receive them) contain `text`. */
  containing(text: string): Registration[] {
    return this.resources.filter((r) => JSON.stringify(r.inputs).includes(text));
  }

  /** A role's trust policy and inline policy statements. */
  policies(role: Registration) {
    const parse = (doc: unknown) =>
      (typeof doc === "string" ? JSON.parse(doc) : doc) as { Statement: PolicyStatement[] };
    return {
      trust: parse(role.inputs.assumeRolePolicy).Statement,
      inline: ((role.inputs.inlinePolicies ?? []) as { policy: string }[]).flatMap(
        (p) => parse(p.policy).Statement,
      ),
      managed: (role.inputs.managedPolicyArns ?? []) as string[],
    };
  }

  /** Every inline policy statement in the graph, with the role that holds it. */
  allStatements(): { role: string; statement: PolicyStatement }[] {
    return this.all(T.role).flatMap((role) =>
      this.policies(role).inline.map((statement) => ({ role: role.name, statement })),
    );
  }

  /** Resource counts by type, most numerous first: the summary the infra test prints. */
  summary(title: string): string {
    const counts = new Map<string, number>();
    for (const r of this.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    // `aws:rds/instance:Instance` -> `rds/instance`, `docker-build:index:Image` -> `docker-build/Image`
    const short = (type: string) => {
      const [provider, module = "", kind = ""] = type.split(":");
      return module.startsWith("index") ? `${provider}/${kind}` : module;
    };
    const lines = [`${title}: ${this.resources.length} resources of ${counts.size} types`];
    let line = "";
    for (const [type, n] of rows) {
      const item = `${n} ${short(type)}`;
      if (line && line.length + item.length > 96) {
        lines.push(`  ${line},`);
        line = "";
      }
      line += (line ? ", " : "") + item;
    }
    lines.push(`  ${line}`);
    return lines.join("\n");
  }
}
