import { KINDS, startPrefix, startSegments, type AnyKind } from "@wfc/core";
import { z } from "zod";
import type { DashboardInput, DashboardKind } from "./dashboard-kind.js";

export type { DashboardActionView, DashboardInput, DashboardKind } from "./dashboard-kind.js";

interface PropertySchema {
  type?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

const INPUT_TYPES = ["integer", "number", "string", "boolean"] as const;

function input(kind: AnyKind, param: string, schema: PropertySchema): DashboardInput {
  // Anything else (a union, an enum) is typed as text: the start route's 422 names a bad value.
  const type = INPUT_TYPES.find((t) => t === schema.type) ?? "string";
  const [min, max] =
    type === "string" ? [schema.minLength, schema.maxLength] : [schema.minimum, schema.maximum];
  const labels: Record<string, string | undefined> = kind.dashboard?.labels ?? {};
  return {
    param,
    label: labels[param] ?? param,
    type,
    ...(type !== "boolean" && min !== undefined && { min }),
    ...(type !== "boolean" && max !== undefined && { max }),
    ...((kind.example as Record<string, unknown>)[param] !== undefined && {
      default: (kind.example as Record<string, unknown>)[param],
    }),
  };
}

/** A kind as the dashboard shows it, from its declaration (`params`, `example`, `dashboard`). */
export function dashboardKind(kind: AnyKind): DashboardKind {
  // The form holds what a user types: the parameters' input side (before coercion).
  const { properties = {} } = z.toJSONSchema(kind.params, { io: "input" }) as {
    properties?: Record<string, PropertySchema>;
  };
  const hints = kind.dashboard ?? {};
  return {
    name: kind.name,
    form: kind.pathRoute,
    prefix: startPrefix(kind),
    segments: kind.pathRoute ? startSegments(kind) : [],
    inputs: kind.pathRoute
      ? Object.keys(kind.params.shape).map((param) => input(kind, param, properties[param] ?? {}))
      : [],
    actions: (hints.actions ?? []).map((a) => ({
      label: a.label,
      topic: a.topic,
      message: a.message,
      reject: a.reject ?? false,
      done: a.done ?? `${a.label}:`,
    })),
    progress: hints.progress
      ? { percent: hints.progress.percent, status: hints.progress.status ?? null }
      : null,
    log: hints.log ? { stream: hints.log.stream } : null,
  };
}

/**
 * The kinds a user can start (default: every declared kind), described. The start form fills
 * path segments, so it offers only the kinds with a path route (`form`); a kind started with a
 * JSON body (lists, objects) is started through the API or the client, and shown all the same.
 */
export function dashboardKinds(kinds: readonly AnyKind[] = KINDS): DashboardKind[] {
  return kinds.filter((kind) => kind.startable).map(dashboardKind);
}
