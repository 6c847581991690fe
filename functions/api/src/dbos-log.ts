import type { DLogger } from "@dbos-inc/dbos-sdk";
import type { LogLevel } from "./middleware/access-log.js";

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

/** Stack frames (`\n    at f (file:1:2)`), which some DBOS messages carry in their text. */
const FRAMES = /\n\s+at [^\n]*/g;

/** An entry as text: DBOS logs strings, errors and, rarely, objects. */
function text(entry: unknown): string {
  if (entry instanceof Error) return `${entry.name}: ${entry.message}`;
  return (typeof entry === "string" ? entry : JSON.stringify(entry)).replace(FRAMES, "");
}

/**
 * The DBOS client's logger, writing the API's log format: one JSON line per entry
 * (`"source":"dbos"`), at `level` and above. DBOS's own console logger prints an error with its
 * stack trace over many plain-text lines, which a JSON-lines log (CloudWatch, `npm start`)
 * splits into lines of nothing. Like the API's own error lines, no stack (frames in a message's
 * text are dropped too): the message says what failed; a stack names only the SDK's internals.
 * @param write - where lines go (default: stdout for debug and info, stderr for warn and error).
 */
export function dbosJsonLogger(
  level: LogLevel = "info",
  write?: (line: string, level: LogLevel) => void,
): DLogger {
  const minimum = LEVELS.indexOf(level);
  const out =
    write ??
    ((line: string, lineLevel: LogLevel) =>
      lineLevel === "warn" || lineLevel === "error" ? console.error(line) : console.log(line));
  const at = (lineLevel: LogLevel) => (entry: unknown) => {
    if (LEVELS.indexOf(lineLevel) < minimum) return;
    out(JSON.stringify({ level: lineLevel, msg: text(entry), source: "dbos" }), lineLevel);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
