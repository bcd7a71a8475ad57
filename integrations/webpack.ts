/**
 * The webpack plugin: compiles the yielding syntax in the files it loads, before any other
 * transform, with source maps webpack chains (see docs/integrations.md).
 *
 * ```js
 * import yielding from "yielding/webpack";
 * export default { entry: "./src/main.js", plugins: [yielding()] };
 * ```
 */
import { yieldingUnplugin } from "./unplugin.js";

export type { YieldingPluginOptions } from "./unplugin.js";
export default yieldingUnplugin.webpack;
