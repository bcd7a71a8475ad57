import type MagicString from "magic-string";
import type { SourceMap } from "./index.js";

export interface PrintOptions {
  filename: string;
  sourceMaps: boolean | "inline";
}

/**
 * ARCHITECTURE step 4: the edited source and, when asked for, its source map. Everything
 * the user wrote is copied through as written, so the map points each of their tokens (at
 * word boundaries) at its original line and column, with the original text as
 * `sourcesContent`; generated code maps to the loop it came from.
 */
export function print(edits: MagicString, options: PrintOptions): { code: string; map: SourceMap | null } {
  let code = edits.toString();
  if (options.sourceMaps === false) return { code, map: null };
  const generated = edits.generateMap({ source: options.filename, includeContent: true, hires: "boundary" });
  const map: SourceMap = {
    version: generated.version,
    sources: generated.sources,
    sourcesContent: generated.sourcesContent,
    names: generated.names,
    mappings: generated.mappings,
  };
  if (options.sourceMaps === "inline") code += `${/\n$/.test(code) ? "" : "\n"}${inlineSourceMapComment(map)}\n`;
  return { code, map };
}

/** `//# sourceMappingURL=data:…;base64,…`, encoded as UTF-8 with browser-safe APIs. */
export function inlineSourceMapComment(map: SourceMap): string {
  const bytes = new TextEncoder().encode(JSON.stringify(map));
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${btoa(binary)}`;
}
