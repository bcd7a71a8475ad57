// `yielding run [node options] FILE [args…]`: Node, with the hooks of yielding/register.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { EXIT_CODES, UsageError } from "./common.js";
import { runNodeChild } from "./child.js";
import { splitRunArgs } from "./node-args.js";

const RUN_USAGE = `Usage: yielding run [node options] FILE [args…]

Runs FILE like \`node [node options] FILE args…\` (process.argv[1] is FILE's absolute
path, then the args), compiling FILE and every local module it loads (not under
node_modules, with one of the extensions .js .mjs .cjs .ts .mts .cts) on the fly, in
worker threads too. It is \`node --import yielding/register\`, started for you.
\`yielding\` and \`yielding/runtime\` resolve to this command's own package, even where
FILE's folder has no node_modules. Stack traces point at the original lines. A module
is ESM or CommonJS as Node decides (extension, package.json "type", then syntax).
TypeScript runs with its types blanked out (ts-blank-space): enums, namespaces,
parameter properties and \`import =\` are not supported. JSX is not transformed.

Options before FILE are Node's (--expose-gc, --inspect, --max-old-space-size=100,
-r x, --conditions x, …), except -h. An option takes its value after = or, if it is one
of Node's own that take a value, as the next argument. NODE_OPTIONS applies as under
node. Everything after FILE is the program's.

Options:
  -h, --help   show this help

${EXIT_CODES}
  The program's exit code, or the signal that killed it, is this command's.
`;

/** The hooks `yielding run` starts its program with: `node --import` of this file URL. */
const REGISTER = new URL("../integrations/register.js", import.meta.url).href;

/**
 * Runs `yielding run …args` (the arguments after `run`): prints the help, or checks
 * FILE and runs `node --import <yielding/register> [node options] -- FILE args…` in a child
 * process, whose exit code it returns (see `runNodeChild` for signals). A missing FILE
 * is reported with exit code 1.
 */
export async function runCli(args: string[]): Promise<number> {
  const { help, nodeOptions, file, args: programArgs } = splitRunArgs(args);
  if (help) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  if (file === undefined) throw new UsageError("missing FILE to run");
  if (!isFile(resolve(file))) {
    process.stderr.write(`yielding run: cannot find ${file}\n`);
    return 1;
  }
  // `--` so that Node takes FILE as the script even when its name starts with `-`.
  return runNodeChild(["--import", REGISTER, ...nodeOptions, "--", file, ...programArgs]);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
