// Where `yielding run`'s Node options end and FILE begins.
import { UsageError } from "./common.js";

/**
 * Node's own options that take a value, which may then be written as the next argument
 * (`-r x`, `--conditions x`), as `node --help` lists them. Every other option is a flag
 * or takes its value after `=` (V8's options, such as `--max-old-space-size=100`, and
 * the optional value of `--inspect=…`).
 */
const TAKES_VALUE = new Set([
  "--allow-fs-read",
  "--allow-fs-write",
  "--build-snapshot-config",
  "-C",
  "--conditions",
  "--cpu-prof-dir",
  "--cpu-prof-interval",
  "--cpu-prof-name",
  "--debug-port",
  "--diagnostic-dir",
  "--disable-proto",
  "--disable-warning",
  "--dns-result-order",
  "--env-file",
  "--env-file-if-exists",
  "-e",
  "--eval",
  "--experimental-default-type",
  "--experimental-loader",
  "--experimental-policy",
  "--experimental-sea-config",
  "--heap-prof-dir",
  "--heap-prof-interval",
  "--heap-prof-name",
  "--heapsnapshot-near-heap-limit",
  "--heapsnapshot-signal",
  "--icu-data-dir",
  "--import",
  "--input-type",
  "--inspect-port",
  "--inspect-publish-uid",
  "--loader",
  "--max-http-header-size",
  "--network-family-autoselection-attempt-timeout",
  "--openssl-config",
  "--policy-integrity",
  "--redirect-warnings",
  "--report-dir",
  "--report-directory",
  "--report-filename",
  "--report-signal",
  "-r",
  "--require",
  "--secure-heap",
  "--secure-heap-min",
  "--snapshot-blob",
  "--test-concurrency",
  "--test-name-pattern",
  "--test-reporter",
  "--test-reporter-destination",
  "--test-shard",
  "--test-timeout",
  "--title",
  "--tls-cipher-list",
  "--tls-keylog",
  "--trace-event-categories",
  "--trace-event-file-pattern",
  "--trace-require-module",
  "--unhandled-rejections",
  "--use-largepages",
  "--v8-pool-size",
  "--watch-path",
]);

/** `yielding run`'s command line, split: Node's options, FILE and the program's arguments. */
export interface RunArgs {
  help: boolean;
  nodeOptions: string[];
  file: string | undefined;
  args: string[];
}

/**
 * Splits `yielding run`'s arguments as Node splits its own: options up to the first
 * argument that is neither an option nor an option's value, which is FILE (or the
 * argument after `--`); everything after FILE is the program's. `-h`/`--help` is
 * `run`'s own; every other option is Node's, passed on untouched for Node to check.
 */
export function splitRunArgs(argv: readonly string[]): RunArgs {
  const nodeOptions: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return { help, nodeOptions, file: argv[i + 1], args: argv.slice(i + 2) };
    if (!arg.startsWith("-") || arg === "-") return { help, nodeOptions, file: arg, args: argv.slice(i + 1) };
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    nodeOptions.push(arg);
    if (!TAKES_VALUE.has(arg)) continue;
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`the Node option ${arg} needs a value`);
    nodeOptions.push(value);
  }
  return { help, nodeOptions, file: undefined, args: [] };
}
