import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import type { FunctionError, Invocation } from "./invocation.js";
import * as protocol from "./runtime/protocol.js";

/**
 * `starting`: init, before its first `next`; `busy`: running an invocation; `finishing`: its
 * response is complete, the runtime has not yet asked for the next one; `frozen`: SIGSTOP.
 */
export type EnvironmentState = "starting" | "busy" | "finishing" | "frozen" | "dead";

/** What every environment of one function shares. */
export interface EnvironmentOptions {
  /** The runtime bootstrap (plain JavaScript) each environment's `node` runs. */
  bootstrap: string;
  /** Variables of the function's environment (the runtime API address is added per process). */
  env: Record<string, string>;
  functionArn: string;
  timeoutMs: number;
  output(line: string): void;
}

/** What the pool learns from an environment. */
export interface EnvironmentEvents {
  /** The runtime asked for the next invocation and nothing waits for it: it is now frozen. */
  frozen(environment: Environment): void;
  /** An invocation ran past the function timeout: the environment was killed. */
  timedOut(environment: Environment): void;
  /** The first answer of this environment's first invocation (the end of its cold start). */
  coldStart(environment: Environment, firstAnswerMs: number, timings?: protocol.InitTimings): void;
  exited(environment: Environment): void;
}

const INVOCATION = new RegExp(`^${protocol.RUNTIME_PATH}/invocation/([^/]+)/(response|error)$`);

async function readAll(request: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseError(body: Buffer, type?: string): FunctionError {
  try {
    const parsed = JSON.parse(body.toString()) as Partial<FunctionError>;
    return {
      errorType: type ?? parsed.errorType ?? "Error",
      errorMessage: parsed.errorMessage ?? "",
    };
  } catch {
    return { errorType: type ?? "Error", errorMessage: body.toString() };
  }
}

function reply(res: ServerResponse, status: number, body: object) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * One Lambda execution environment: its own `node` process running our runtime bootstrap, which
 * loads the bundle once and talks to this environment's Runtime API (its own HTTP port, as
 * `AWS_LAMBDA_RUNTIME_API`). One invocation at a time; between invocations the process is
 * stopped with SIGSTOP (no timers, no socket reads) and continued with SIGCONT.
 */
export class Environment {
  state: EnvironmentState = "starting";
  invocations = 0;
  readonly spawnedAt = performance.now();
  private child: ChildProcess | undefined;
  private server: Server;
  private waiting: ServerResponse | undefined;
  private current: Invocation | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timings: protocol.InitTimings | undefined;
  private answered = false;
  private onExited!: () => void;
  /** Resolves once the process has exited (or never started). */
  readonly exited = new Promise<void>((resolve) => (this.onExited = resolve));

  constructor(
    readonly index: number,
    private readonly options: EnvironmentOptions,
    private readonly events: EnvironmentEvents,
    first: Invocation,
  ) {
    this.current = first;
    // The runtime's one keep-alive connection lives as long as the environment, and a response
    // may take until the function timeout (which `timeOut` enforces): none of Node's own server
    // timeouts may cut it first. Its 5 s keep-alive timeout closed the idle socket a slow
    // handler's response was about to use; its 300 s request timeout would cut a longer stream.
    // (`requestTimeout: 0` also makes the headers timeout 0.)
    this.server = createServer({ requestTimeout: 0 }, (req, res) => this.route(req, res));
    this.server.keepAliveTimeout = 0;
  }

  get pid() {
    return this.child?.pid;
  }

  /** Starts the process; `first` (given to the constructor) is handed over at its first `next`. */
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    const child = spawn(process.execPath, [this.options.bootstrap], {
      env: { ...this.options.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) =>
        this.options.output(`[env ${this.index}] ${line}`),
      );
    }
    child.once("exit", (code, signal) => this.onExit(code, signal));
  }

  /** Thaws a frozen environment and hands it `invocation`. */
  assign(invocation: Invocation) {
    if (this.state !== "frozen" || !this.waiting) throw new Error("environment is not frozen");
    this.current = invocation;
    this.child?.kill("SIGCONT");
    this.deliver();
  }

  /** Hands `invocation` to an environment that is finishing: it gets it at its next `next`. */
  queue(invocation: Invocation) {
    if (this.state !== "finishing") throw new Error("environment is not finishing");
    this.current = invocation;
    this.state = "busy";
  }

  /** Ends the environment (SIGKILL works on a stopped process too). */
  kill() {
    if (this.child) this.child.kill("SIGKILL");
    else this.onExited();
  }

  private deliver() {
    const invocation = this.current!;
    const res = this.waiting!;
    this.waiting = undefined;
    this.state = "busy";
    this.invocations += 1;
    this.timer = setTimeout(() => this.timeOut(), this.options.timeoutMs);
    res.writeHead(200, {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": invocation.id,
      "lambda-runtime-deadline-ms": String(Date.now() + this.options.timeoutMs),
      "lambda-runtime-invoked-function-arn": this.options.functionArn,
      "lambda-runtime-trace-id": `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${invocation.id.replaceAll("-", "").slice(0, 24)}`,
    });
    res.end(invocation.payload);
  }

  private finish(error?: FunctionError) {
    clearTimeout(this.timer);
    const invocation = this.current;
    this.current = undefined;
    if (this.state === "busy") this.state = "finishing";
    invocation?.end(error);
  }

  private firstAnswer() {
    if (this.answered) return;
    this.answered = true;
    this.events.coldStart(this, performance.now() - this.spawnedAt, this.timings);
  }

  private timeOut() {
    const seconds = Math.round(this.options.timeoutMs / 1000);
    this.finish({
      errorType: "Sandbox.Timedout",
      errorMessage: `Task timed out after ${seconds} seconds`,
    });
    this.events.timedOut(this);
    this.kill();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null) {
    this.state = "dead";
    clearTimeout(this.timer);
    this.finish({
      errorType: "Runtime.ExitError",
      errorMessage: `RequestId: ${this.current?.id ?? "-"} Error: Runtime exited with ${signal ? `signal ${signal}` : `code ${code}`}`,
    });
    this.server.closeAllConnections();
    this.server.close();
    this.events.exited(this);
    this.onExited();
  }

  private route(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? "/";
    if (req.method === "GET" && path === `${protocol.RUNTIME_PATH}/invocation/next`)
      return this.next(req, res);
    if (req.method === "POST" && path === `${protocol.RUNTIME_PATH}/init/error`) {
      return void readAll(req).then((body) => {
        reply(res, 202, { status: "OK" });
        this.finish({ ...parseError(body), errorType: "Runtime.InitError" });
      });
    }
    const match = req.method === "POST" ? INVOCATION.exec(path) : null;
    if (!match) return reply(res, 404, { errorType: "NotFound", errorMessage: path });
    if (!this.current || match[1] !== this.current.id) {
      return reply(res, 400, { errorType: "InvalidRequestID", errorMessage: "Invalid request ID" });
    }
    if (match[2] === "error") {
      const type = req.headers["lambda-runtime-function-error-type"];
      return void readAll(req).then((body) => {
        reply(res, 202, { status: "OK" });
        this.finish(parseError(body, typeof type === "string" ? type : undefined));
      });
    }
    this.response(req, res, this.current);
  }

  private next(req: IncomingMessage, res: ServerResponse) {
    const timings = req.headers[protocol.INIT_TIMINGS_HEADER];
    if (typeof timings === "string") this.timings = JSON.parse(timings) as protocol.InitTimings;
    req.resume();
    this.waiting = res;
    // The environment that was started for an invocation gets it at once.
    if (this.current && !this.current.done) return this.deliver();
    this.state = "frozen";
    this.child?.kill("SIGSTOP");
    this.events.frozen(this);
  }

  /** Forwards the response as it arrives: chunk by chunk when streamed, else in one piece. */
  private response(req: IncomingMessage, res: ServerResponse, invocation: Invocation) {
    const streamed = req.headers[protocol.RESPONSE_MODE_HEADER] === "streaming";
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      this.firstAnswer();
      if (streamed) invocation.write(chunk);
      else chunks.push(chunk);
    });
    req.on("end", () => {
      this.firstAnswer();
      if (!streamed) invocation.write(Buffer.concat(chunks));
      reply(res, 202, { status: "OK" });
      if (invocation !== this.current) return;
      const type = req.trailers[protocol.ERROR_TYPE_TRAILER.toLowerCase()];
      const body = req.trailers[protocol.ERROR_BODY_TRAILER.toLowerCase()];
      this.finish(type ? parseError(Buffer.from(body ?? "", "base64"), type) : undefined);
    });
  }
}
