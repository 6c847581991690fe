import { Hono } from "hono";
import type { Backend } from "../backend.js";
import { doc } from "../openapi.js";
import * as S from "../schemas.js";

/** `GET /versions`: which application versions still have workflows in flight (a release). */
export function versionRoutes(backend: Backend) {
  return new Hono().get(
    "/versions",
    doc(
      "workflows",
      "Application versions and their in-flight workflows: a release's progress",
      { 200: { description: "Every version, newest first", schema: S.versionsResponse } },
      [503],
    ),
    async (c) => c.json(await backend.versions()),
  );
}
