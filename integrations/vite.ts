/**
 * The Vite plugin: compiles the yielding syntax in the files it loads, before any other
 * transform, with source maps Vite chains (see docs/integrations.md).
 *
 * ```js
 * import yielding from "yielding/vite";
 * export default defineConfig({ plugins: [yielding()] });
 * ```
 */
import { yieldingUnplugin } from "./unplugin.js";

export type { YieldingPluginOptions } from "./unplugin.js";
export default yieldingUnplugin.vite;
