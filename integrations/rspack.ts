/**
 * The Rspack plugin: compiles the yielding syntax in the files it loads, before any other
 * transform, with source maps Rspack chains (see docs/integrations.md).
 *
 * ```js
 * import yielding from "yielding/rspack";
 * export default { entry: "./src/main.js", plugins: [yielding()] };
 * ```
 */
import { yieldingUnplugin } from "./unplugin.js";

export type { YieldingPluginOptions } from "./unplugin.js";
export default yieldingUnplugin.rspack;
