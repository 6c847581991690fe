import { beforeAll, describe, expect, it } from "vitest";
import { API_LIVE_FUNCTION } from "../../../infra/api-function.js";
import { evaluateStack, REQUIRED_SECRETS } from "../support/evaluate.js";
import { StackGraph } from "../support/graph.js";

// CORS_ORIGINS as a per-stage setting: `npx sst secret set CorsOrigins <origins> --stage <name>`.
const STAGE = "pr-cors";
const ORIGINS = "https://app.example.com,https://admin.example.com";
const secrets = REQUIRED_SECRETS;
let set: StackGraph;
let unset: StackGraph;

beforeAll(async () => {
  const [withOrigins, without] = await Promise.all([
    evaluateStack({ stage: STAGE, secrets: { ...secrets, CorsOrigins: ORIGINS } }),
    evaluateStack({ stage: STAGE, secrets }),
  ]);
  set = new StackGraph(withOrigins);
  unset = new StackGraph(without);
}, 120_000);

describe("CORS_ORIGINS on a deployed stage", () => {
  it("reaches both API functions as the stage sets it", () => {
    for (const component of ["Api", API_LIVE_FUNCTION]) {
      expect(set.functionEnvironment(component).CORS_ORIGINS).toBe(ORIGINS);
    }
  });

  it("is not set at all on a stage that sets none", () => {
    for (const component of ["Api", API_LIVE_FUNCTION]) {
      expect(unset.functionEnvironment(component)).not.toHaveProperty("CORS_ORIGINS");
      // The other variables are there either way.
      expect(unset.functionEnvironment(component)).toHaveProperty("APP_VERSION");
    }
  });
});
