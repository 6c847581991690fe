import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteRegistryParameter } from "../../functions/worker/src/retirement.js";
import { startSsmStandIn } from "../support/ssm-stand-in.js";

// The retired worker's last act: deleting its release-registry entry, through the AWS SDK as
// deployed, against a local stand-in for SSM (AWS_ENDPOINT_URL_SSM, dummy credentials).
const NAME = "/workflow-communication/test/worker-releases/1";
const GONE = "/workflow-communication/test/worker-releases/gone";
const BROKEN = "/workflow-communication/test/worker-releases/broken";
let ssm: Awaited<ReturnType<typeof startSsmStandIn>>;

beforeAll(async () => {
  ssm = await startSsmStandIn(({ body }) =>
    body.Name === GONE
      ? { status: 400, body: { __type: "ParameterNotFound", message: "not found" } }
      : body.Name === BROKEN
        ? { status: 400, body: { __type: "AccessDeniedException", message: "no" } }
        : { status: 200, body: {} },
  );
  Object.assign(process.env, ssm.env);
});
afterAll(() => ssm?.close());

describe("deleting the release-registry parameter", () => {
  it("sends one signed DeleteParameter naming the parameter", async () => {
    await deleteRegistryParameter(NAME);
    const sent = ssm.requests.filter((r) => r.body.Name === NAME);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.action).toBe("DeleteParameter");
    expect(sent[0]!.body).toEqual({ Name: NAME });
    expect(String(sent[0]!.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDSTANDIN\//,
    );
  });

  it("counts a parameter that is already gone as deleted", async () => {
    await expect(deleteRegistryParameter(GONE)).resolves.toBeUndefined();
  });

  it("fails on any other refusal, so the worker retries it", async () => {
    await expect(deleteRegistryParameter(BROKEN)).rejects.toMatchObject({
      name: "AccessDeniedException",
    });
  });
});
