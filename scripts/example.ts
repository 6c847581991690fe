import { parseArgs } from "node:util";
import { LambdaClient } from "@aws-sdk/client-lambda";
import {
  createWorkflowClient,
  httpTransport,
  type StreamRecord,
  type WorkflowClient,
} from "@wfc/client";
import { lambdaTransport } from "@wfc/client/lambda";

// The seed's example_client_lib.py usage examples with the typed client, against `npm start`,
// with the same environment: PORT and LAMBDA_PORT say where it listens, API_KEYS which key to send.
const env = process.env;
const OPTIONS = {
  transport: { type: "string", default: "http", help: "http, or lambda (the local Invoke API)" },
  url: {
    type: "string",
    default: `http://localhost:${env.PORT || 8000}`,
    help: "the API's base URL (over http)",
  },
  "lambda-endpoint": {
    type: "string",
    default: `http://localhost:${env.LAMBDA_PORT || 8002}`,
    help: "the Lambda Invoke API (over lambda)",
  },
  function: { type: "string", default: "Api", help: "the function to invoke (over lambda)" },
  "api-key": {
    type: "string",
    // The first key, as a client of a stack rotating its keys would send the newest one.
    default: (env.API_KEYS ?? "")
      .split(",")
      .map((key) => key.trim())
      .find(Boolean),
    help: "the key to send (default: the first of API_KEYS, if set)",
  },
  help: { type: "boolean", default: false, help: "print this help and exit" },
} as const;

const { values: args } = parseArgs({ options: OPTIONS });

if (args.help) {
  console.log(
    [
      "Usage: npm run example [-- <options>]",
      "",
      "Runs the events, messaging and streaming examples against a running stack (npm start).",
      "",
      "Options:",
      ...Object.entries(OPTIONS).map(([name, option]) => {
        // The key's default is a secret: its help says where it comes from instead.
        const value = name !== "api-key" && typeof option.default === "string";
        const shown = value ? ` (default: ${option.default})` : "";
        return `  --${name}${option.type === "string" ? " <value>" : ""}  ${option.help}${shown}`;
      }),
    ].join("\n"),
  );
  process.exit(0);
}

function client(): WorkflowClient {
  const apiKey = args["api-key"];
  if (args.transport === "http")
    return createWorkflowClient(httpTransport({ baseUrl: args.url, apiKey }));
  if (args.transport !== "lambda") throw new Error("--transport is http or lambda");
  const lambda = new LambdaClient({
    endpoint: args["lambda-endpoint"],
    region: "us-east-1",
    // The emulator checks no signature; a deployed stage uses your AWS credentials instead.
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return createWorkflowClient(lambdaTransport({ lambda, functionName: args.function, apiKey }));
}

const run = `${args.transport}-${Date.now().toString(36)}`;

/** Events: start, watch progress as it changes, then wait for the result. */
async function eventsExample(api: WorkflowClient) {
  const id = `example-events-${run}`;
  console.log(`\n== Events: ${(await api.start("events", id, { n_steps: 3 })).message} (${id})`);
  for await (const { key, value } of api.followEvents(id)) {
    if (key !== "result") console.log(`  ${key}: ${JSON.stringify(value)}`);
  }
  const result = await api.getEvent(id, "result", 10);
  console.log(`  result: ${JSON.stringify(result.value)}`);
  console.log(`  all events: ${Object.keys((await api.allEvents(id)).events).join(", ")}`);
}

/** Messaging: a workflow waits for approval; send it, with an idempotency key. */
async function messagingExample(api: WorkflowClient) {
  const id = `example-messaging-${run}`;
  console.log(
    `\n== Messaging: ${(await api.start("messaging", id, { n_steps: 3 })).message} (${id})`,
  );
  const sent = await api.sendMessage(
    id,
    { approved: true, message: "Approved by admin" },
    { idempotencyKey: `approve-${id}` },
  );
  console.log(`  ${sent.message}: ${JSON.stringify(sent.payload)}`);
  let workflow = await api.getWorkflow(id);
  while (workflow.status !== "SUCCESS" && workflow.status !== "ERROR") {
    await new Promise((resolve) => setTimeout(resolve, 200));
    workflow = await api.getWorkflow(id);
  }
  console.log(`  status ${workflow.status}, output ${JSON.stringify(workflow.output)}`);
}

/** Streaming: follow the stream live, then read it again from an offset. */
async function streamingExample(api: WorkflowClient) {
  const id = `example-streaming-${run}`;
  console.log(
    `\n== Streaming: ${(await api.start("streaming", id, { n_steps: 3 })).message} (${id})`,
  );
  for await (const { offset, value } of api.followStream<StreamRecord>(id)) {
    const detail =
      value.type === "result"
        ? JSON.stringify(value.result)
        : "message" in value
          ? value.message
          : "";
    console.log(`  [${offset}] ${value.type} ${detail}`);
  }
  const tail = await api.streamSnapshot(id, { offset: 6 });
  console.log(
    `  snapshot from offset 6: ${tail.total_messages} values, closed=${String(tail.closed)}`,
  );
}

async function main() {
  const api = client();
  console.log(`Workflow client over ${args.transport}`);
  await eventsExample(api);
  await messagingExample(api);
  await streamingExample(api);
  console.log("\nDone.");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
