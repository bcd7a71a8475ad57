import type * as t from "@babel/types";
import { generate } from "./babel.js";
import type { SourceMap } from "./index.js";

export interface PrintOptions {
  filename: string;
  sourceMaps: boolean | "inline";
}

/**
 * ARCHITECTURE step 4: prints the desugared AST with `@babel/generator`. Locations were
 * moved back to the original source by the parser step, so the map points every user
 * token at where the user wrote it, with the original text as `sourcesContent`.
 */
export function print(ast: t.File, original: string, options: PrintOptions): { code: string; map: SourceMap | null } {
  const wantMap = options.sourceMaps !== false;
  const output = generate(
    ast,
    {
      sourceMaps: wantMap,
      sourceFileName: options.filename,
      jsescOption: { minimal: true },
    },
    original,
  );
  const map = wantMap && output.map ? (output.map as SourceMap) : null;
  // Babel's generator drops the final line break; keep the file's own.
  let code = /[\r\n]$/.test(original) && !output.code.endsWith("\n") ? `${output.code}\n` : output.code;
  if (map && options.sourceMaps === "inline") code += `${code.endsWith("\n") ? "" : "\n"}${inlineSourceMapComment(map)}\n`;
  return { code, map };
}

/** `//# sourceMappingURL=data:…;base64,…`, encoded as UTF-8 with browser-safe APIs. */
export function inlineSourceMapComment(map: SourceMap): string {
  const bytes = new TextEncoder().encode(JSON.stringify(map));
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${btoa(binary)}`;
}
