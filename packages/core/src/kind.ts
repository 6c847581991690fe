// Types from the type-only `{ z }` (the client's bundled declarations name them so), and
// `import * as`, as wherever core uses zod at run time: the named `{ z }` import would keep all
// of zod's locales (350 kB) in a browser bundle of the client.
import type { z } from "zod";
import * as zod from "zod";

/**
 * What a kind of workflow is, as data: everything the API, the typed client, the dashboard, the
 * worker and the tests need to know about it, written once in `kinds/<kind>.ts`. Its workflow
 * (`kinds/<kind>.workflow.ts`) implements it; nothing else names the kind.
 */

/** A worker setting of a kind: an environment variable, parsed (default and bounds) by `schema`. */
export interface KindSetting<Schema extends z.ZodType = z.ZodType> {
  env: string;
  schema: Schema;
  description: string;
}

/** A dashboard button shown while a workflow of the kind runs: it sends `message` on `topic`. */
export interface DashboardAction<Topic extends string = string> {
  label: string;
  topic: Topic;
  /** The message; the dashboard adds the optional text typed next to the buttons as `message`. */
  message: Record<string, unknown>;
  /** Styled as a refusal. */
  reject?: boolean;
  /** The notice once sent, before the workflow ID, e.g. "Approved" (default: "<label>:"). */
  done?: string;
}

/** What the dashboard shows for the kind. */
export interface DashboardHints<
  Param extends string = string,
  Event extends string = string,
  Topic extends string = string,
  Stream extends string = string,
> {
  /** Labels of the start form's inputs, by start parameter (default: the parameter's name). */
  labels?: Partial<Record<Param, string>>;
  /** Buttons shown while a workflow of the kind waits, each sending a message. */
  actions?: readonly DashboardAction<Topic>[];
  /** A progress bar: `percent` is an event with a 0..100 number, `status` one with a text. */
  progress?: { percent: Event; status?: Event };
  /**
   * A live log of this stream: one line per record, its `type` first, then its other fields.
   * `records` is the shape of the stream's records (the schema the workflow's records are typed
   * by): every record must have a string `type`, or the kind does not compile (nor define).
   */
  log?: { stream: Stream; records: z.ZodType<LogRecord> };
}

/** What the dashboard's live log needs of every record of its stream: its `type`, a word. */
export interface LogRecord {
  type: string;
}

/** One answer an approval link offers: a button on its page. */
export interface ApprovalChoice {
  /** Sent as the form's value and named in `POST /workflows/{id}/links`' `choices`: a-z 0-9 _ -. */
  name: string;
  label: string;
  /** Styled as a refusal. */
  reject?: boolean;
}

/** What a person who opens an approval link answers with. */
export interface ApprovalAnswer {
  choice: string;
  /** The link's recipient, as minted (an email address, a name). */
  recipient?: string;
  /** Text the person typed beside the buttons. */
  note?: string;
  /** The link's ID: its one delivery. */
  link_id: string;
}

/**
 * An approval by link on one of the kind's topics (`POST /workflows/{id}/links`): what its page
 * asks, the choices it offers, and the message an answer becomes.
 */
export interface Approval<Event extends string = string> {
  /** What is being decided, the page's heading: "Approve this document?" */
  question: string;
  /** The buttons, in order; a link offers them all unless minted with fewer. */
  choices: readonly ApprovalChoice[];
  /**
   * The workflow's own summary, shown under the question: made from its events as they are when
   * the page opens (unset events are missing). Undefined: no summary.
   */
  summary?: (events: Partial<Record<Event, unknown>>) => string | undefined;
  /** The message an answer sends on the topic; by default the answer itself. */
  message?: (answer: ApprovalAnswer) => Record<string, unknown>;
}

type Params = z.ZodObject<Record<string, z.ZodType>>;

/** What a path segment can become: start parameters of a kind with a path route. */
type PathValue = string | number | boolean | undefined;
/** Start parameters that fit path segments: scalars only (no list, no object). */
export type PathParams = z.ZodObject<Record<string, z.ZodType<PathValue>>>;

/** A kind's declaration, as written; see `defineKind`. */
export interface KindSpec<
  Name extends string,
  P extends Params,
  Answer extends z.ZodType,
  Args extends readonly unknown[],
  Events extends string,
  Topics extends string,
  Streams extends string,
  Settings extends Record<string, KindSetting>,
  Startable extends boolean = boolean,
  PathRoute extends boolean = boolean,
> {
  /** The kind users see: `kind` in listings, `/start-workflow-<name>/...`. Lower case, dashes. */
  name: Name;
  /** The workflow's stored name in DBOS: a stored identifier, never renamed casually. */
  workflowName: string;
  /** One line for the start route's documentation. */
  summary: string;
  /**
   * Start parameters, an object: the body of `POST /start/<name>/{workflow_id}`, and (unless
   * `pathRoute` is false) the path segments after the workflow ID, in this order, parsed from text.
   */
  params: P;
  /**
   * False for parameters that cannot be path segments (a list, an object): the kind is then
   * started with a JSON body only, and has no `/start-workflow-<name>/...` route. Left true,
   * parameters must be scalars, or the kind does not compile (nor define).
   */
  pathRoute?: PathRoute;
  /** Start parameters that always pass `params`: the OpenAPI example, the dashboard's defaults, the tests'. */
  example: z.output<P>;
  /**
   * The start answer's shape: the route's answer is type-checked against it, and documented.
   * Required unless `startable` is false.
   */
  answer?: Answer;
  /** The start answer for a workflow ID and its parameters. Required unless `startable` is false. */
  respond?: (workflowId: string, params: z.output<P>) => z.input<Answer>;
  /** The workflow's arguments from the start parameters (default: `[params]`). */
  args?: (params: z.output<P>) => Args;
  /** Event keys the workflow sets (read with `GET /workflow-events/{id}/{key}`). */
  events?: readonly Events[];
  /** Topics the workflow receives messages on (`POST /send-message/{id}?topic=`, webhooks). */
  topics?: readonly Topics[];
  /** Stream keys the workflow writes (`GET /workflow-stream/{id}?key=`). */
  streams?: readonly Streams[];
  /** Worker settings the workflow reads, by the name the workflow uses. */
  settings?: Settings;
  dashboard?: DashboardHints<Extract<keyof z.output<P>, string>, Events, Topics, Streams>;
  /**
   * Approval links, by topic: a person answers the workflow from a signed, single-use URL with
   * one of the declared choices, with no key or login (docs/guides/approvals-by-link.md).
   */
  approvals?: Partial<Record<Topics, Approval<Events>>>;
  /** False for a workflow that only other workflows start (no start route, no dashboard entry). */
  startable?: Startable;
  /** DBOS's limit on recoveries of one workflow before it is marked as failed. */
  maxRecoveryAttempts?: number;
}

/** A declared kind; the type parameters keep every literal for the compiler. */
export type Kind<
  Name extends string = string,
  P extends Params = Params,
  Answer extends z.ZodType = z.ZodType,
  Args extends readonly unknown[] = readonly unknown[],
  Events extends string = string,
  Topics extends string = string,
  Streams extends string = string,
  Settings extends Record<string, KindSetting> = Record<string, KindSetting>,
  Startable extends boolean = boolean,
  PathRoute extends boolean = boolean,
> = Required<
  Pick<
    KindSpec<Name, P, Answer, Args, Events, Topics, Streams, Settings, Startable, PathRoute>,
    "events" | "topics" | "streams" | "settings" | "startable" | "args" | "pathRoute"
  >
> &
  Omit<
    KindSpec<Name, P, Answer, Args, Events, Topics, Streams, Settings, Startable, PathRoute>,
    "events" | "topics" | "streams" | "settings" | "startable" | "args" | "pathRoute"
  >;

/** Any declared kind, whatever its literals. */
export type AnyKind = Kind<string, any, any, any, any, any, any, any, boolean, boolean>;

export const KIND_NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Declares a kind of workflow. Channels and settings default to none, `args` to `[params]`.
 * @throws Error when the name is not lower-case words joined by dashes, or a dashboard hint
 *   names a channel the kind does not declare.
 */
export function defineKind<
  const Name extends string,
  P extends Params,
  Answer extends z.ZodType,
  const Events extends string = never,
  const Topics extends string = never,
  const Streams extends string = never,
  Settings extends Record<string, KindSetting> = Record<never, KindSetting>,
  Args extends readonly unknown[] = [z.output<P>],
  const Startable extends boolean = true,
  const PathRoute extends boolean = true,
>(
  spec: KindSpec<Name, P, Answer, Args, Events, Topics, Streams, Settings, Startable, PathRoute> &
    (PathRoute extends false ? unknown : { params: PathParams }),
): Kind<Name, P, Answer, Args, Events, Topics, Streams, Settings, Startable, PathRoute> {
  if (!KIND_NAME_PATTERN.test(spec.name)) {
    throw new Error(`Kind name "${spec.name}" must be lower-case words joined by dashes`);
  }
  const nested = spec.pathRoute === false ? [] : nestedParams(spec.params);
  if (nested.length) {
    throw new Error(
      `Kind "${spec.name}": parameters ${nested} are not path segments (a list or an object): declare \`pathRoute: false\``,
    );
  }
  if (spec.startable !== false && (!spec.answer || !spec.respond)) {
    throw new Error(`Kind "${spec.name}" is startable: it needs an answer and a respond`);
  }
  const kind = {
    ...spec,
    events: spec.events ?? [],
    topics: spec.topics ?? [],
    streams: spec.streams ?? [],
    settings: spec.settings ?? ({} as Settings),
    startable: spec.startable ?? (true as Startable),
    pathRoute: spec.pathRoute ?? (true as PathRoute),
    args: spec.args ?? ((params: z.output<P>) => [params] as unknown as Args),
  };
  checkApprovals(spec.name, kind.topics, spec.approvals ?? {});
  const { dashboard } = spec;
  const undeclared = [
    ...(dashboard?.actions ?? []).filter((a) => !kind.topics.includes(a.topic)).map((a) => a.topic),
    ...[dashboard?.progress?.percent, dashboard?.progress?.status]
      .filter((key): key is Events => key !== undefined)
      .filter((key) => !kind.events.includes(key)),
    ...(dashboard?.log && !kind.streams.includes(dashboard.log.stream)
      ? [dashboard.log.stream]
      : []),
  ];
  if (undeclared.length) {
    throw new Error(`Kind "${spec.name}": the dashboard names undeclared channels ${undeclared}`);
  }
  if (dashboard?.log && !typedRecords(dashboard.log.records)) {
    throw new Error(
      `Kind "${spec.name}": the dashboard's log shows each record's \`type\`, but records of stream '${dashboard.log.stream}' (dashboard.log.records) may lack a string \`type\``,
    );
  }
  return kind;
}

interface JsonSchema {
  type?: unknown;
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** The parameters whose values may be lists or objects, which no path segment can carry. */
function nestedParams(params: Params): string[] {
  const json = zod.toJSONSchema(params, { io: "output", unrepresentable: "any" }) as JsonSchema;
  const nested = (value: JsonSchema): boolean =>
    value.type === "array" ||
    value.type === "object" ||
    (Array.isArray(value.type) && value.type.some((t) => t === "array" || t === "object")) ||
    [...(value.anyOf ?? []), ...(value.oneOf ?? [])].some(nested);
  return Object.entries(json.properties ?? {})
    .filter(([, value]) => nested(value))
    .map(([name]) => name);
}

/** Whether every record `schema` admits has a string `type` (each variant of a union). */
function typedRecords(schema: z.ZodType): boolean {
  const json = zod.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;
  const text = (value: JsonSchema | undefined) =>
    value !== undefined &&
    (value.type === "string" ||
      typeof value.const === "string" ||
      (value.enum?.every((item) => typeof item === "string") ?? false));
  const variants = json.anyOf ?? json.oneOf ?? [json];
  return variants.every((v) => v.required?.includes("type") && text(v.properties?.type));
}

/** The start parameters of a kind, as the workflow gets them. */
export type ParamsOf<K extends AnyKind> = z.output<K["params"]>;
/** The start answer of a kind. */
export type AnswerOf<K extends AnyKind> = z.output<NonNullable<K["answer"]>>;
/** The workflow's arguments. */
export type ArgsOf<K extends AnyKind> = ReturnType<K["args"]>;
/** The values of a kind's settings, by the names the workflow uses. */
export type SettingsOf<K extends AnyKind> = {
  [S in keyof K["settings"]]: z.output<K["settings"][S]["schema"]>;
};
export type EventOf<K extends AnyKind> = K["events"][number];
export type TopicOf<K extends AnyKind> = K["topics"][number];
export type StreamOf<K extends AnyKind> = K["streams"][number];

/** The start route's prefix: `/start-workflow-<name>`, then the workflow ID and each parameter. */
export const startPrefix = (kind: AnyKind) => `/start-workflow-${kind.name}`;

/** The start route's path segments after its prefix, in order: `workflow_id`, then the parameters. */
export const startSegments = (kind: AnyKind): string[] => [
  "workflow_id",
  ...Object.keys(kind.params.shape),
];

/** The parameters of a kind's path route: `never` for a kind started with a JSON body only. */
export type PathParamsOf<K extends AnyKind> = K["pathRoute"] extends false ? never : ParamsOf<K>;

/**
 * The URL path that starts a workflow of `kind` with this ID and parameters.
 * @throws Error for a kind without a path route (`pathRoute: false`).
 */
export function startPath<K extends AnyKind>(kind: K, workflowId: string, params: PathParamsOf<K>) {
  if (!kind.pathRoute)
    throw new Error(`Kind "${kind.name}" has no path route: start it with a JSON body`);
  const values: Record<string, unknown> = { ...params, workflow_id: workflowId };
  const segments = startSegments(kind).map((name) => encodeURIComponent(String(values[name])));
  return [startPrefix(kind), ...segments].join("/");
}

/**
 * The JSON start route's prefix, `/start/<name>`, then the workflow ID; the body is the
 * parameters. A path of its own: `/start/` is neither a `/start-workflow-<name>` prefix nor under
 * `/workflows/`, so no kind name nor workflow ID can make it collide with another route.
 */
export const jsonStartPrefix = (kind: AnyKind) => `/start/${kind.name}`;

/** The URL path of `POST /start/<name>/{workflow_id}`, which takes the parameters as its body. */
export const jsonStartPath = (kind: AnyKind, workflowId: string) =>
  `${jsonStartPrefix(kind)}/${encodeURIComponent(workflowId)}`;

/** Names of approval choices: they travel in links and forms. */
const CHOICE_NAME = /^[a-z0-9_-]{1,40}$/;

/** @throws Error when an approval is on an undeclared topic, or its choices are none, misnamed or repeated. */
function checkApprovals(
  name: string,
  topics: readonly string[],
  approvals: Partial<Record<string, Approval<string>>>,
) {
  for (const [topic, approval] of Object.entries(approvals)) {
    const at = `Kind "${name}": the approval on '${topic}'`;
    if (!approval) continue;
    if (!topics.includes(topic)) throw new Error(`${at} is on a topic the kind does not declare`);
    const names = approval.choices.map((choice) => choice.name);
    if (names.length === 0) throw new Error(`${at} offers no choice`);
    const bad = names.find((choice) => !CHOICE_NAME.test(choice));
    if (bad !== undefined) throw new Error(`${at}: choice "${bad}" must be 1-40 of a-z 0-9 _ -`);
    if (new Set(names).size !== names.length) throw new Error(`${at} repeats a choice`);
  }
}

/** The approval a kind declares on `topic`, if any. */
export const approvalOf = (kind: AnyKind, topic: string): Approval | undefined =>
  (kind.approvals as Partial<Record<string, Approval>> | undefined)?.[topic];

/** The topics of a kind with an approval. */
export const approvalTopics = (kind: AnyKind): string[] =>
  Object.keys(kind.approvals ?? {}).filter((topic) => approvalOf(kind, topic));
