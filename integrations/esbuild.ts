/**
 * The esbuild plugin: compiles the yielding syntax in the files it loads, before any other
 * transform, with source maps esbuild chains (see docs/integrations.md).
 *
 * ```js
 * import yielding from "yielding/esbuild";
 * await esbuild.build({ entryPoints: ["src/main.js"], bundle: true, plugins: [yielding()] });
 * ```
 */
import { yieldingUnplugin } from "./unplugin.js";

export type { YieldingPluginOptions } from "./unplugin.js";
export default yieldingUnplugin.esbuild;
