import { randomUUID } from "node:crypto";

/** Why an invocation failed: the function threw, timed out, crashed or could not start. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
}

/** Where an invocation's response goes, chunk by chunk as the function writes it. */
export interface InvocationSink {
  write(chunk: Buffer): void;
  /** The invocation is over: the response is complete, or `error` says why it stopped. */
  end(error?: FunctionError): void;
}

/** One request to the function, from the moment a front accepted it until it ends. */
export class Invocation {
  readonly id = randomUUID();
  readonly acceptedAt = performance.now();
  private ended = false;

  constructor(
    readonly payload: Buffer,
    private readonly sink: InvocationSink,
  ) {}

  get done() {
    return this.ended;
  }

  write(chunk: Buffer) {
    if (!this.ended) this.sink.write(chunk);
  }

  end(error?: FunctionError) {
    if (this.ended) return;
    this.ended = true;
    this.sink.end(error);
  }
}

/** Lambda refused the invocation: the function is at its concurrency limit. */
export class ThrottledError extends Error {
  override name = "TooManyRequestsException";
  constructor(readonly concurrency: number) {
    super(`Rate Exceeded: the function is at its concurrency limit of ${concurrency}`);
  }
}
