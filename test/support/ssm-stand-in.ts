import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the stand-in received: its SSM action (`X-Amz-Target`) and JSON body. */
export interface SsmRequest {
  action: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/** How the stand-in answers an action: an HTTP status and a JSON body (AWS's JSON protocol). */
export type SsmAnswer = (request: SsmRequest) => { status: number; body: Record<string, unknown> };

/**
 * A local HTTP stand-in for AWS Systems Manager: the SDK reaches it through
 * `AWS_ENDPOINT_URL_SSM`. It records every request and answers `{}` (success) unless told
 * otherwise.
 */
export async function startSsmStandIn(answer: SsmAnswer = () => ({ status: 200, body: {} })) {
  const requests: SsmRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const text = Buffer.concat(chunks).toString("utf8");
      const request: SsmRequest = {
        action: target.replace(/^AmazonSSM\./, ""),
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        headers: req.headers,
      };
      requests.push(request);
      const { status, body } = answer(request);
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    /** The variables that point the AWS SDK here, with dummy credentials and a region. */
    env: {
      AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${port}`,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDSTANDIN",
      AWS_SECRET_ACCESS_KEY: "stand-in-secret",
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
