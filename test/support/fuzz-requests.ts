import fc from "fast-check";
import {
  accept,
  bodyText,
  contentType,
  encodeComponent,
  nastyText,
  numberText,
  sendableHeader,
} from "./fuzz-values.js";

/** An operation of `/openapi.json`, as far as the fuzz suite reads it. */
export interface Operation {
  method: string;
  /** OpenAPI template, `/workflow-events/{workflow_id}/{event_key}`. */
  path: string;
  parameters: Array<{
    in: "path" | "query" | "header";
    name: string;
    schema: { type?: string; enum?: string[]; minimum?: number; default?: unknown };
  }>;
  hasBody: boolean;
}

/** The operations of an OpenAPI document. */
export function operationsOf(doc: {
  paths: Record<string, Record<string, { parameters?: unknown[]; requestBody?: unknown }>>;
}): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: (op.parameters ?? []) as Operation["parameters"],
      hasBody: op.requestBody !== undefined,
    })),
  );
}

/** One generated request; `inputs` are the texts it carries, which an answer may echo. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  inputs: string[];
}

/**
 * Valid values by parameter name for one existing workflow: its ID and the channels its kind
 * declares (`event_key`, `topic`, `key`), so a request reaches the database and the workflow.
 */
export type Target = Record<string, string[]>;

/** What the suite sends besides the documented parameters. */
export interface RequestOptions {
  /** The workflows requests are about (and, by their names, any that do not exist). */
  targets: Target[];
  /** Signs a webhook body (Standard Webhooks headers), so it gets past the signature check. */
  sign: (id: string, body: string) => Record<string, string>;
  /** `Authorization` of a valid key. */
  authorization: string;
}

type Parameter = Operation["parameters"][number];

/**
 * Valid values of a parameter: the target's when it has some (a topic its kind declares, not the
 * default), else its enum, default or minimum (integers only at their minimum: the cheapest valid
 * start, where a valid `n_steps` of 20 is a minute of CPU).
 */
function goodValues(param: Parameter, target: Target): string[] {
  const { schema } = param;
  const own = target[param.name] ?? [];
  if (own.length) return own;
  const good = [...(schema.enum ?? [])];
  if (schema.default !== undefined) good.push(String(schema.default));
  if (typeof schema.minimum === "number") good.push(String(schema.minimum));
  if (good.length === 0) good.push(schema.type === "string" ? "fuzz-1" : "1");
  return good;
}

const hostileValue = fc.oneof(
  { weight: 3, arbitrary: nastyText },
  { weight: 2, arbitrary: numberText },
);

const goodBody = fc.constantFrom(
  '{"approved":true}',
  '{"approved":false}',
  '{"decision":"approve","reviewer":"fuzz"}',
  '{"note":"x"}',
  // An approval link's minting and answer.
  '{"topic":"review"}',
  '{"choice":"approve"}',
);

/** One good and one hostile way to send each part of a request. */
interface Part<T> {
  good: fc.Arbitrary<T>;
  hostile: fc.Arbitrary<T>;
}

const header = (arb: fc.Arbitrary<string>) => arb.filter(sendableHeader);
const absent = fc.constant(undefined);

/**
 * Requests for `op`, each about one of the targets. Each is a valid request (the target's values, a valid key, a message the
 * kinds accept, signed when a webhook) with one or two of its parts made hostile: a parameter,
 * an extra or repeated query parameter, the body, Accept, Content-Type, Last-Event-ID,
 * Authorization, the webhook-id, or its encoding. One hostile part at a time is what reaches the
 * code behind validation; a few requests stay wholly valid.
 */
export function requestsFor(op: Operation, options: RequestOptions): fc.Arbitrary<FuzzRequest> {
  // Targets with no value for one of the operation's parameters (a topic, for a kind that
  // declares none) cannot make a valid request: left out, unless none is left.
  const fit = options.targets.filter((target) =>
    op.parameters.every((param) => target[param.name]?.length !== 0),
  );
  const targets = fit.length ? fit : options.targets;
  return fc.constantFrom(...targets).chain((target) => requestsAbout(op, target, options));
}

function requestsAbout(op: Operation, target: Target, options: RequestOptions) {
  const parts: Record<string, Part<string | undefined>> = {};
  for (const param of op.parameters) {
    const good = fc.constantFrom(...goodValues(param, target));
    // A parameter the target has values for is always sent; others are optional.
    const required = param.in === "path" || (target[param.name]?.length ?? 0) > 0;
    parts[`${param.in}:${param.name}`] = {
      good: required ? good : fc.option(good, { nil: undefined }),
      hostile: param.in === "header" ? header(hostileValue) : hostileValue,
    };
  }
  parts.accept = {
    good: fc.constantFrom(undefined, "application/json", "text/event-stream"),
    hostile: header(accept),
  };
  parts.lastEventId = {
    good: fc.constantFrom(undefined, "0", "3"),
    hostile: header(fc.oneof(numberText, nastyText)),
  };
  parts.authorization = {
    good: fc.constant(options.authorization),
    hostile: fc.oneof(
      header(nastyText.map((t) => `Bearer ${t}`)),
      fc.constantFrom(undefined, "", "Basic eDp5", "Bearer", "bearer  "),
    ),
  };
  parts.extraQuery = {
    good: absent,
    hostile: fc
      .tuple(fc.constantFrom("offset", "x", "topic", "key", "timeout"), hostileValue)
      .map(([name, value]) => `${name}=${encodeComponent(value)}`),
  };
  parts.raw = { good: absent, hostile: fc.constant("raw") };
  if (op.method !== "GET")
    parts.contentType = { good: fc.constant("application/json"), hostile: header(contentType) };
  if (op.hasBody) parts.body = { good: goodBody, hostile: bodyText };
  if (op.path.startsWith("/webhooks/")) {
    parts.webhookId = {
      good: fc
        .string({ unit: "grapheme-ascii", minLength: 1, maxLength: 20 })
        .filter(sendableHeader),
      hostile: fc.oneof(
        header(nastyText),
        fc.constantFrom(300, 3000, 9000).map((n) => "w".repeat(n)),
        fc.constant(undefined),
      ),
    };
  }
  const names = Object.keys(parts);
  // The operation's own parts (its parameters, body, webhook-id) are made hostile most often:
  // the shared headers are fuzzed on every operation anyway.
  const own = names.filter((name) => name.includes(":") || name === "body" || name === "webhookId");
  const pick = (source: "good" | "hostile") =>
    fc.record(Object.fromEntries(names.map((name) => [name, parts[name]![source]])));
  const hostile = fc.oneof(
    { weight: 1, arbitrary: fc.constant([] as string[]) },
    ...(own.length
      ? [{ weight: 6, arbitrary: fc.constantFrom(...own).map((name) => [name]) }]
      : []),
    { weight: 3, arbitrary: fc.subarray(names, { minLength: 1, maxLength: 2 }) },
  );
  return fc
    .record({ hostile, good: pick("good"), bad: pick("hostile") })
    .map(({ hostile, good, bad }) => {
      const value = (name: string) => (hostile.includes(name) ? bad[name] : good[name]);
      const encode = hostile.includes("raw") ? (text: string) => text : encodeComponent;
      const inputs: string[] = [];
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const text = value(`path:${name}`) ?? "";
        inputs.push(text);
        return encode(text);
      });
      const query: string[] = [];
      const headers: Record<string, string> = {};
      for (const param of op.parameters) {
        const text = value(`${param.in}:${param.name}`);
        if (text === undefined) continue;
        inputs.push(text);
        if (param.in === "query") query.push(`${param.name}=${encode(text)}`);
        if (param.in === "header") headers[param.name] = text;
      }
      const extra = value("extraQuery");
      if (extra !== undefined) query.push(extra);
      const optional = {
        accept: "accept",
        "last-event-id": "lastEventId",
        authorization: "authorization",
        "content-type": "contentType",
      };
      for (const [name, part] of Object.entries(optional)) {
        const text = part in parts ? value(part) : undefined;
        if (text !== undefined) headers[name] = text;
      }
      const body = value("body");
      const webhookId = value("webhookId");
      if (body !== undefined && webhookId !== undefined) {
        Object.assign(headers, options.sign(webhookId, body));
      }
      inputs.push(...Object.values(headers), ...(body === undefined ? [] : [body]));
      return {
        method: op.method,
        url: query.length ? `${path}?${query.join("&")}` : path,
        headers,
        body,
        inputs,
      };
    });
}
