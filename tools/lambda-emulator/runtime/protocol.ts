/** The Runtime API's version prefix (AWS: `/2018-06-01/runtime/...`). */
export const RUNTIME_PATH = "/2018-06-01/runtime";

/**
 * A local addition to the Runtime API: the runtime's first `next` carries how long Node took to
 * reach our code and to import the handler, so cold starts can be broken down.
 */
export const INIT_TIMINGS_HEADER = "lambda-local-init-timings";

/** What the runtime measured before its first `next`. */
export interface InitTimings {
  /** Process start -> the runtime's first line (Node's own start). */
  nodeStartMs: number;
  /** Process start -> the handler's module loaded (module scope built). */
  importMs: number;
}

/** The header that says a response is streamed (chunked) rather than buffered. */
export const RESPONSE_MODE_HEADER = "lambda-runtime-function-response-mode";
/** Error type and (base64 JSON) body of a failed streamed response, sent as trailers. */
export const ERROR_TYPE_TRAILER = "Lambda-Runtime-Function-Error-Type";
export const ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body";
