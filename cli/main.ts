#!/usr/bin/env node
// The `yielding` command (SPEC §9): argument parsing, usage texts and dispatch. The
// commands live in compile.ts and run.ts and are loaded only when used.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { EXIT_CODES, UsageError } from "./common.js";
import { POOL_THRESHOLD_BYTES } from "./compile-tree.js";



const USAGE = `Usage: yielding <command> [options]

Commands:
  compile [files or folders…]   compile the yielding syntax to plain JavaScript or TypeScript
  run [node options] FILE [args…]  compile FILE and its local modules as they load, and run it

Options:
  -h, --help      show this help (yielding <command> --help for a command's options)
  -v, --version   print the version

${EXIT_CODES}
`;

const COMPILE_USAGE = `Usage: yielding compile [files or folders…] [options]

With one file and no -o or --out-file, prints the code to stdout; with no files, reads
stdin. Several inputs, or a folder, need -o DIR: a file goes to DIR/its name, a folder's
contents are mirrored into DIR (node_modules, dot-files and dot-folders are skipped, and
so is DIR itself when it lies inside the folder; DIR may not be an input folder or
contain one). Files with the extensions .js .mjs .cjs .jsx .ts .mts .cts .tsx are
compiled (the output keeps the name: TypeScript in, TypeScript out); other files, and
files without the syntax, are copied unchanged. The runtime import is an import or a
require as Node would load the file (its extension, else the nearest package.json
"type", else its own syntax). No input file is ever overwritten: such a request is
refused before anything is written.

A run under -o DIR ends with a summary on stderr ("yielding compile: 998 compiled, 12
copied unchanged, 2 failed in 1.84 s") and, on a terminal, shows its progress while it
runs. Every failure is reported, in the order of the inputs. Large trees are compiled on
one worker thread per core; the output is the same byte for byte whatever the number of
workers.

Options:
  -o, --out-dir DIR          write the outputs under DIR
      --out-ext EXT          with -o: give compiled files the extension EXT (such as
                             .mjs) instead of their own; maps follow, copied files and
                             declaration files (.d.ts) keep their names
      --out-file FILE        write the output of the one input (or stdin) to FILE
  -s, --source-maps [inline] write FILE.map beside each compiled file and link it,
                             or with "inline", embed the map in the file; to stdout,
                             maps are always inline; unchanged files get none
      --runtime SPECIFIER    import specifier of the runtime (default "yielding/runtime")
      --module esm|cjs       runtime import as import or require, for every file
      --filename NAME        the name of stdin in messages; its extension selects
                             TypeScript (.ts .mts .cts .tsx) and JSX (.jsx .tsx)
      --workers N            with -o: compile on N worker threads; 1 compiles on the
                             main thread (default: one per core from ${POOL_THRESHOLD_BYTES / 1024} KB
                             of files to compile, else the main thread)
  -w, --watch                after compiling, recompile inputs as they change
                             (needs -o or --out-file; errors are reported and
                             watching goes on; stop with Ctrl-C)
  -h, --help                 show this help

Colour: on a terminal only; NO_COLOR=1 turns it off, FORCE_COLOR=1 on (FORCE_COLOR=0 off).

${EXIT_CODES}
`;



/**
 * Runs the command line `args` (without `node` and the script) and returns the exit
 * code, or `undefined` when a program started by `run` owns it.
 */
async function main(args: string[]): Promise<number | undefined> {
  try {
    return await dispatch(args);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      process.stderr.write(`yielding: ${(error as Error).message}\n${synopsisOf(args)}`);
      return 2;
    }
    throw error;
  }
}

async function dispatch(args: string[]): Promise<number | undefined> {
  const { before, command, rest } = splitAtPositional(args);
  const { values } = parseArgs({
    args: before,
    options: { help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" } },
  });
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === undefined) throw new UsageError("missing command");
  if (command === "compile") return compile(rest);
  if (command === "run") return run(rest);
  throw new UsageError(`unknown command '${command}'`);
}

async function compile(args: string[]): Promise<number> {
  // `--source-maps` takes an optional value, which parseArgs cannot express: the
  // `=inline` form is split in two, and an `inline` right after the option belongs to it
  // (write ./inline for a file of that name).
  const { values, tokens } = parseArgs({
    args: args.flatMap((arg) => (arg === "--source-maps=inline" ? ["--source-maps", "inline"] : [arg])),
    allowPositionals: true,
    tokens: true,
    options: {
      "out-dir": { type: "string", short: "o" },
      "out-file": { type: "string" },
      "source-maps": { type: "boolean", short: "s" },
      watch: { type: "boolean", short: "w" },
      runtime: { type: "string" },
      module: { type: "string" },
      filename: { type: "string" },
      "out-ext": { type: "string" },
      workers: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(COMPILE_USAGE);
    return 0;
  }
  const inputs: string[] = [];
  let inline = false;
  tokens.forEach((token, i) => {
    if (token.kind !== "positional") return;
    const previous = tokens[i - 1];
    if (token.value === "inline" && previous?.kind === "option" && previous.name === "source-maps") inline = true;
    else inputs.push(token.value);
  });
  const module = values.module;
  if (module !== undefined && module !== "esm" && module !== "cjs") {
    throw new UsageError(`--module takes esm or cjs, not '${module}'`);
  }
  const outExt = values["out-ext"];
  if (outExt !== undefined && !/^\.[^/\\]+$/.test(outExt)) {
    throw new UsageError(`--out-ext takes an extension starting with a dot, such as .mjs, not '${outExt}'`);
  }
  const workers = values.workers;
  if (workers !== undefined && !/^[1-9]\d*$/.test(workers)) {
    throw new UsageError(`--workers takes a whole number of threads, 1 or more, not '${workers}'`);
  }
  const { compileCommand } = await import("./compile.js");
  return compileCommand({
    inputs,
    sourceMaps: inline ? "inline" : (values["source-maps"] ?? false),
    watch: values.watch ?? false,
    ...(values["out-dir"] !== undefined && { outDir: values["out-dir"] }),
    ...(values["out-file"] !== undefined && { outFile: values["out-file"] }),
    ...(values.runtime !== undefined && { runtime: values.runtime }),
    ...(module !== undefined && { module }),
    ...(values.filename !== undefined && { filename: values.filename }),
    ...(outExt !== undefined && { outExt }),
    ...(workers !== undefined && { workers: Number(workers) }),
  });
}

async function run(args: string[]): Promise<number | undefined> {
  const { runCli } = await import("./run.js");
  return runCli(args);
}

/**
 * Splits `args` at the first positional argument, as parseArgs itself sees them: the
 * options before it (a command's or `run`'s own), the positional, and everything after.
 */
function splitAtPositional(args: string[]): { before: string[]; command: string | undefined; rest: string[] } {
  const options = { help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" } } as const;
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  const first = tokens.find((token) => token.kind === "positional");
  if (first === undefined) return { before: args.filter((arg) => arg !== "--"), command: undefined, rest: [] };
  const terminator = tokens.find((token) => token.kind === "option-terminator");
  const before = args.slice(0, terminator && terminator.index < first.index ? terminator.index : first.index);
  return { before, command: first.value, rest: args.slice(first.index + 1) };
}

/** The short usage printed after a usage error: the command's synopsis and where to read more. */
function synopsisOf(args: string[]): string {
  const command = args.find((arg) => !arg.startsWith("-"));
  if (command === "compile") {
    return (
      "Usage: yielding compile [files or folders…] [-o DIR [--out-ext EXT] | --out-file FILE] [--source-maps [inline]]\n" +
      "                        [--watch] [--workers N] [--runtime SPECIFIER] [--module esm|cjs] [--filename NAME]\n" +
      "Run 'yielding compile --help' for details.\n"
    );
  }
  if (command === "run") return "Usage: yielding run [node options] FILE [args…]\nRun 'yielding run --help' for details.\n";
  return "Usage: yielding compile … | yielding run [node options] FILE [args…]\nRun 'yielding --help' for details.\n";
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
