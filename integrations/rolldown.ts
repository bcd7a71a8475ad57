/**
 * The Rolldown plugin: compiles the yielding syntax in the files it loads, before any other
 * transform, with source maps Rolldown chains (see docs/integrations.md).
 *
 * ```js
 * import yielding from "yielding/rolldown";
 * export default { input: "src/main.js", plugins: [yielding()] };
 * ```
 */
import { yieldingUnplugin } from "./unplugin.js";

export type { YieldingPluginOptions } from "./unplugin.js";
export default yieldingUnplugin.rolldown;
