// `node --import yielding/register app.js`: compiles the local modules of a program as
// they load, ES modules and CommonJS ones, JavaScript and TypeScript, in the main thread
// and in every worker thread (workers inherit the `--import`). `yielding run` starts its
// program this way.
import { register } from "node:module";
import { isMainThread } from "node:worker_threads";
import { hookCommonJs } from "./commonjs.js";
import { reportFatalCompileErrors } from "./report.js";

const REGISTERED = Symbol.for("yielding.register");
const thread = globalThis as { [REGISTERED]?: true };

// Once per thread, even when this module is imported twice (NODE_OPTIONS and the command
// line, say), or two copies of the package each are.
if (thread[REGISTERED] === undefined) {
  thread[REGISTERED] = true;
  process.setSourceMapsEnabled(true);
  register("./hooks.js", import.meta.url);
  hookCommonJs();
  // A worker's uncaught error goes to its parent thread's `error` event: leave it alone.
  if (isMainThread) reportFatalCompileErrors();
}
