export {
  lambdaFetch,
  LambdaInvokeError,
  lambdaTransport,
  type LambdaTransportOptions,
} from "./lambda-transport.js";
