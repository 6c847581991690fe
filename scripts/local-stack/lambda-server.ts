import type { AddressInfo } from "node:net";
import { lambdaEmulatorConfig } from "./lambda-config.js";
import { createLambdaEmulator, type InvokeHandler, type StreamHandler } from "./lambda-emulator.js";
import { installLambdaGlobals } from "./lambda-globals.js";

/**
 * The local Lambda Invoke API for the API function, run as its own process (as the API server
 * is): it loads the real `handler.ts` (Invoke) and `stream-handler.ts` (InvokeWithResponseStream)
 * with the runtime's globals, so the stack's other processes never see those globals.
 */
async function main() {
  const config = lambdaEmulatorConfig();
  installLambdaGlobals();
  // Imported only now: stream-handler calls awslambda.streamifyResponse when it loads.
  const buffered = await import("../../functions/api/src/handler.js");
  const streaming = await import("../../functions/api/src/stream-handler.js");
  const server = createLambdaEmulator({
    functionName: config.LAMBDA_FUNCTION_NAME,
    invoke: buffered.handler as unknown as InvokeHandler,
    invokeStream: streaming.handler as unknown as StreamHandler,
  });
  server.listen(config.LAMBDA_PORT, "0.0.0.0", () => {
    const { port } = server.address() as AddressInfo;
    console.log(
      JSON.stringify({ msg: "lambda ready", port, functionName: config.LAMBDA_FUNCTION_NAME }),
    );
  });
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
