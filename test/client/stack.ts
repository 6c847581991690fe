import { fileURLToPath } from "node:url";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { httpTransport, type Transport } from "@wfc/client";
import { LINKS } from "@wfc/core";
import { newTokenKey } from "@wfc/tokens";
import { lambdaTransport } from "@wfc/client/lambda";
import getPort from "get-port";
import { API_LIVE_FUNCTION } from "../../infra/api-function.js";
import { runService, type ServiceProcess } from "@wfc/local-stack/child";
import { LAMBDA_SERVER_ENTRY } from "@wfc/local-stack/entries";
import { startWorker, type TestWorker } from "../support/worker.js";

const API_ENTRY = fileURLToPath(new URL("../../functions/api/src/server.ts", import.meta.url));

export const API_KEY = "client-test-key-0123456789";
const FUNCTION_NAME = "Api";

/** A transport factory: the same client code runs over each. */
export type TransportKind = "http" | "lambda";

/**
 * What `npm start` runs, on a test database: the worker, the API server (HTTP) and the local
 * Lambda mode (the bundled function in execution environments behind the Invoke API), with API
 * keys required. `apiEnv` adds settings of the API (both entries).
 */
export async function startClientStack(databaseUrl: string, apiEnv: Record<string, string> = {}) {
  const output: string[] = [];
  const worker: TestWorker = await startWorker(databaseUrl);
  const env = {
    ...process.env,
    DBOS_SYSTEM_DATABASE_URL: databaseUrl,
    API_KEYS: API_KEY,
    LOG_LEVEL: "warn",
    LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    // Linked, as deployed: the Lambda environments get it too.
    [`SST_RESOURCE_${LINKS.tokenKeys}`]: JSON.stringify({ value: newTokenKey("client") }),
    ...apiEnv,
  };
  const port = await getPort();
  const keep = (line: string) => output.push(line);
  const services: ServiceProcess[] = [
    runService("api", API_ENTRY, { ...env, PORT: String(port) }, keep),
    runService(
      "lambda",
      LAMBDA_SERVER_ENTRY,
      // The environments get only what the deployed function would, plus these.
      { ...env, LAMBDA_PORT: "0", LAMBDA_EXTRA_ENV: Object.keys(apiEnv).join(",") },
      keep,
    ),
  ];
  const [, lambdaInfo] = await Promise.all(services.map((s) => s.ready)).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${output.join("\n")}`, { cause: error });
  });
  const lambda = new LambdaClient({
    endpoint: `http://127.0.0.1:${String(lambdaInfo!.port)}`,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return {
    output,
    /** The worker process (tests freeze it with SIGSTOP to make a feed go quiet). */
    worker,
    /** A transport of `kind`, with the API key unless given another. */
    transport(kind: TransportKind, apiKey = API_KEY): Transport {
      if (kind === "http") return httpTransport({ baseUrl: `http://127.0.0.1:${port}`, apiKey });
      // Live feeds to the live-feed function, as deployed callers pass `apiLiveFunction`.
      return lambdaTransport({
        lambda,
        functionName: FUNCTION_NAME,
        streamFunctionName: API_LIVE_FUNCTION,
        apiKey,
      });
    },
    async stop() {
      lambda.destroy();
      await Promise.all(services.map((s) => s.stop()));
      await worker.stop();
    },
  };
}
