import { readFileSync } from "node:fs";

/** One instruction of a Dockerfile: `RUN npm ci` -> `{ keyword: "RUN", args: "npm ci" }`. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** One `FROM` stage and its instructions. */
export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/**
 * Reads a Dockerfile into its stages (enough of the syntax for our own file: comments, line
 * continuations, `FROM image AS name`). Lets a test run exactly what the image would run.
 */
export function readDockerfile(path: string): Stage[] {
  const text = readFileSync(path, "utf8").replace(/\\\r?\n/g, " ");
  const stages: Stage[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === "FROM") {
      const [from = "", , name] = args.split(/\s+/);
      stages.push({ from, ...(name ? { name } : {}), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

/** The arguments of each `keyword` instruction of a stage, in order. */
export const argsOf = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
