import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is test/helpers/fixtures.ts). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = join(ROOT, "fixtures");

/** Extensions an `input.*` file may have; the output golden has the same one. */
export const INPUT_EXTENSIONS = [".js", ".jsx", ".ts", ".tsx"] as const;
export type InputExtension = (typeof INPUT_EXTENSIONS)[number];

/** The group whose cases expect a CompileError (`error.txt`) instead of output. */
export const ERROR_GROUP = "errors";

/**
 * Cases whose name starts with this prefix contain no extension syntax: they MUST compile
 * to themselves byte for byte (SPEC §2), and their output golden is a copy of the input.
 */
export const IDENTITY_PREFIX = "plain-";

/** One directory `fixtures/<group>/<name>/`. */
export interface FixtureCase {
  group: string;
  name: string;
  /** `<group>/<name>`, used in test names. */
  id: string;
  dir: string;
  ext: InputExtension;
  /** `input<ext>`: the filename given to `compile` and shown in error summaries. */
  filename: string;
  input: string;
  /** Path of `output<ext>`, whether or not it exists yet. */
  outputPath: string;
  output: string | null;
  stdout: string | null;
  error: string | null;
  identity: boolean;
  /** Every file in the directory, for the layout checks. */
  files: string[];
}

function readIfExists(path: string): string | null {
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
}

/**
 * Every case under fixtures/, sorted by group then name. A directory without an `input.*`
 * is still returned (with `ext` `.js` and empty input) so the layout test can report it.
 */
export function loadFixtureCases(root: string = FIXTURES): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const group of subdirectories(root)) {
    for (const name of subdirectories(join(root, group))) {
      const dir = join(root, group, name);
      const files = readdirSync(dir).sort();
      const inputName = files.find((f) => INPUT_EXTENSIONS.some((ext) => f === `input${ext}`));
      const ext = (inputName ? inputName.slice("input".length) : ".js") as InputExtension;
      const outputPath = join(dir, `output${ext}`);
      cases.push({
        group,
        name,
        id: `${group}/${name}`,
        dir,
        ext,
        filename: `input${ext}`,
        input: inputName ? readFileSync(join(dir, inputName), "utf8") : "",
        outputPath,
        output: readIfExists(outputPath),
        stdout: readIfExists(join(dir, "stdout.txt")),
        error: readIfExists(join(dir, "error.txt")),
        identity: name.startsWith(IDENTITY_PREFIX),
        files,
      });
    }
  }
  return cases;
}

/**
 * Problems with a case's layout (ARCHITECTURE.md, fixtures/README.md), empty when it is
 * well formed: exactly one input; error cases have `error.txt` of one line and nothing else;
 * other cases always have `stdout.txt` (never an output golden alone), a golden with the
 * input's extension, and identity cases a golden equal to their input.
 */
export function layoutProblems(c: FixtureCase): string[] {
  const problems: string[] = [];
  const inputs = c.files.filter((f) => /^input\./.test(f));
  if (inputs.length !== 1 || !INPUT_EXTENSIONS.some((ext) => inputs[0] === `input${ext}`)) {
    problems.push(`needs exactly one input file (${INPUT_EXTENSIONS.map((e) => "input" + e).join(", ")}), has: ${inputs.join(", ") || "none"}`);
  }
  if (c.group === ERROR_GROUP) {
    const allowed = new Set([c.filename, "error.txt"]);
    for (const f of c.files) if (!allowed.has(f)) problems.push(`unexpected file in an error case: ${f}`);
    if (c.error === null) problems.push("missing error.txt");
    else if (c.error.replace(/\n$/, "").includes("\n") || c.error.trim() === "") {
      problems.push("error.txt must be exactly one line");
    }
  } else {
    const allowed = new Set([c.filename, `output${c.ext}`, "stdout.txt"]);
    for (const f of c.files) if (!allowed.has(f)) problems.push(`unexpected file: ${f}`);
    if (c.stdout === null) problems.push("missing stdout.txt (a golden alone proves nothing)");
    if (c.error !== null) problems.push("error.txt belongs in fixtures/errors/");
    if (c.identity && c.output !== c.input) problems.push("an identity (plain-) case's output golden must be a copy of its input");
  }
  return problems;
}

/** Text of the 1-based `line` of `source`, splitting lines as editors and Babel do. */
export function sourceLine(source: string, line: number): string {
  return source.split(/\r\n|[\n\r\u2028\u2029]/)[line - 1] ?? "";
}

/** Drops one trailing newline: the only normalization applied to compared outputs. */
export function withoutTrailingNewline(text: string): string {
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}
