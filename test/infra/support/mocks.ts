// Pulumi mocks for evaluating sst.config.ts with no AWS: every resource is accepted with its
// inputs plus the outputs AWS would compute (ARNs, endpoints, ids), and every data-source call
// gets a plausible answer. Values that matter to assertions are sentinels the tests look for.
import { createHash } from "node:crypto";

/** The account, region and generated secrets the mocked AWS answers with. */
export const MOCK = {
  account: "123456789012",
  region: "us-east-1",
  /** What RandomPassword generates: the database password, to be found (or not) in the graph. */
  password: "MockDbPassword0000000000000000aa",
  /** What RandomPassword generates for the API's database role. */
  apiPassword: "MockApiPassword000000000000000bb",
  /** What RandomPassword generates for the change relay's secret. */
  relaySecret: "MockRelaySecret000000000000000cc",
} as const;

type Props = Record<string, any>;

interface ResourceArgs {
  type: string;
  name: string;
  inputs: Props;
}

interface CallArgs {
  token: string;
  inputs: Props;
}

/** The id (and physical name) the mocked AWS gives the resource `name`. */
export const mockId = (name: string) => `${name.toLowerCase()}-mock`;
const physical = mockId;

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${MOCK.region}:${MOCK.account}:${resource}`;

/** The ARN the mocked AWS gives the SSM parameter named `name` (a path). */
export const parameterArn = (name: string) => arn("ssm", `parameter${name}`);

/** The digest the mocked build of the image resource `name` pushes: one per resource. */
export const imageDigest = (name: string) =>
  `sha256:${createHash("sha256").update(name).digest("hex")}`;

/** The ARN the mocked AWS gives the Secrets Manager secret `name`. */
export const secretArn = (name: string) => arn("secretsmanager", `secret:${physical(name)}`);

/** Outputs AWS computes for the resource types whose outputs the components read. */
function computed({ type, name, inputs }: ResourceArgs): Props {
  const id = physical(name);
  switch (type) {
    case "aws:lambda/function:Function": {
      const fn = arn("lambda", `function:${inputs.name ?? id}`);
      return {
        arn: fn,
        qualifiedArn: `${fn}:$LATEST`,
        invokeArn: `arn:aws:apigateway:${MOCK.region}:lambda:path/2015-03-31/functions/${fn}/invocations`,
        version: "$LATEST",
      };
    }
    case "aws:apigateway/restApi:RestApi":
      return {
        id,
        rootResourceId: `${id}-root`,
        executionArn: arn("execute-api", id),
      };
    case "aws:rds/instance:Instance": {
      const address = `${id}.abc.${MOCK.region}.rds.amazonaws.com`;
      const port = inputs.port ?? 5432;
      return { address, port, endpoint: `${address}:${port}`, identifier: id };
    }
    case "aws:rds/proxy:Proxy":
      return { endpoint: `${id}.proxy-abc.${MOCK.region}.rds.amazonaws.com` };
    case "aws:ec2/vpc:Vpc":
      return { cidrBlock: inputs.cidrBlock ?? "10.0.0.0/16", defaultSecurityGroupId: `sg-${id}` };
    case "aws:secretsmanager/secret:Secret": {
      const secret = secretArn(name);
      return { id: secret, arn: secret };
    }
    case "aws:ssm/parameter:Parameter":
      return { arn: parameterArn(inputs.name), version: 1 };
    case "aws:ecs/cluster:Cluster":
      return { arn: arn("ecs", `cluster/${inputs.name ?? id}`) };
    case "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace":
      return { name: inputs.name ?? `${id}.local` };
    case "docker-build:index:Image":
      return { digest: imageDigest(name) };
    case "random:index/randomPassword:RandomPassword":
      return {
        result:
          name === "ApiDatabasePassword"
            ? MOCK.apiPassword
            : name === "ChangeRelayKey"
              ? MOCK.relaySecret
              : MOCK.password,
      };
    case "random:index/randomBytes:RandomBytes":
      return { base64: Buffer.alloc(inputs.length ?? 32, 7).toString("base64") };
    default:
      return {};
  }
}

/** `pulumi.runtime.setMocks` callback for resources. */
export function newResource(args: ResourceArgs): { id: string; state: Props } {
  const id = physical(args.name);
  const service = args.type.split(":")[1]?.split("/")[0] ?? "mock";
  const state: Props = {
    arn: arn(service, id),
    name: id,
    id,
    ...args.inputs,
    ...computed(args),
  };
  return { id: state.id, state };
}

/** Renders `aws.iam.getPolicyDocument` inputs as the JSON policy AWS would get. */
function policyJson(inputs: Props): string {
  const list = (v: unknown) => (v === undefined ? undefined : v);
  const statements = ((inputs.statements ?? []) as Props[]).map((s) => ({
    ...(s.sid ? { Sid: s.sid } : {}),
    Effect: s.effect ?? "Allow",
    ...(s.actions ? { Action: list(s.actions) } : {}),
    ...(s.resources ? { Resource: list(s.resources) } : {}),
    ...(s.principals
      ? {
          Principal: Object.fromEntries(
            (s.principals as Props[]).map((p) => [p.type, p.identifiers]),
          ),
        }
      : {}),
    ...(s.conditions ? { Condition: s.conditions } : {}),
  }));
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * The SSM parameters AWS holds before an evaluation, by name: what `aws.ssm.getParametersByPath`
 * finds (the release registry; infra/releases.ts).
 */
export type MockParameters = Record<string, string>;

/** `aws.ssm.getParametersByPath` over `parameters`: the String parameters one level below `path`. */
function parametersByPath(parameters: MockParameters, inputs: Props): Props {
  const path = String(inputs.path).replace(/\/$/, "");
  const found = Object.keys(parameters)
    .filter((name) => name.startsWith(`${path}/`))
    .filter((name) => inputs.recursive || !name.slice(path.length + 1).includes("/"))
    .sort();
  return {
    id: path,
    path,
    recursive: Boolean(inputs.recursive),
    withDecryption: inputs.withDecryption ?? true,
    names: found,
    values: found.map((name) => parameters[name]),
    types: found.map(() => "String"),
    arns: found.map(parameterArn),
  };
}

/** `pulumi.runtime.setMocks` callback for data sources (invokes), with AWS holding `parameters`. */
export const mockCalls =
  (parameters: MockParameters = {}) =>
  (args: CallArgs): Props =>
    call(args, parameters);

function call({ token, inputs }: CallArgs, parameters: MockParameters): Props {
  switch (token) {
    case "aws:ssm/getParametersByPath:getParametersByPath":
      return parametersByPath(parameters, inputs);
    case "aws:index/getRegion:getRegion":
      return { id: MOCK.region, name: MOCK.region, region: MOCK.region };
    case "aws:index/getPartition:getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: MOCK.account, accountId: MOCK.account, arn: arn("iam", "user/mock") };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        id: MOCK.region,
        names: ["a", "b", "c"].map((z) => `${MOCK.region}${z}`),
        zoneIds: ["use1-az1", "use1-az2", "use1-az4"],
      };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return { id: "policy", json: policyJson(inputs) };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        id: MOCK.account,
        proxyEndpoint: `https://${MOCK.account}.dkr.ecr.${MOCK.region}.amazonaws.com`,
        userName: "AWS",
        password: "mock-ecr-token",
      };
    case "aws:ec2/getAmi:getAmi":
      return { id: "ami-0mock", architecture: "arm64" };
    default:
      return { id: `${token}-mock`, ...inputs };
  }
}
