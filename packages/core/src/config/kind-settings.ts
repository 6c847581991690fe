import type { z } from "zod";
import type { AnyKind, KindSetting } from "../kind.js";
import { KINDS } from "../kinds/index.gen.js";
import type { WorkerConfig } from "./worker.js";

/** A kind's settings as [name in its workflow, declaration] pairs. */
const settingsOf = (kind: AnyKind) => Object.entries(kind.settings as Record<string, KindSetting>);

/** Every kind's settings' environment variables, in declaration order (repeats included). */
export const kindSettingEnvs = KINDS.flatMap((kind) => settingsOf(kind).map(([, s]) => s.env));

/**
 * Every kind's settings, by environment variable (declared in `kinds/<kind>.ts`). Typed as no
 * keys here: the workflows read them typed by their declaration (`kindSettingsOf`).
 */
export const kindSettingSchemas: Record<never, z.ZodType> = Object.fromEntries(
  KINDS.flatMap((kind) => settingsOf(kind).map(([, setting]) => [setting.env, setting.schema])),
);

/** Each kind's settings values, by kind name and the setting's name in its declaration. */
export const kindSettingsOf = (config: WorkerConfig): Record<string, Record<string, unknown>> =>
  Object.fromEntries(
    KINDS.map((kind) => [
      kind.name,
      Object.fromEntries(
        settingsOf(kind).map(([name, setting]) => [
          name,
          (config as Record<string, unknown>)[setting.env],
        ]),
      ),
    ]),
  );
