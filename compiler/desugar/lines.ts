import jsTokens from "js-tokens";

/*
 * Every line the user wrote keeps its number in the output: when the lowering replaces a
 * stretch of the original (a loop head, a `with` head, a clause head), the line breaks in it
 * go into the replacement, after the generated text, so what follows stays on its line.
 */

/** A stretch `[start, end)` of the original source. */
export type Range = readonly [start: number, end: number];

/** A line break and the indentation after it. */
const LINE_BREAK = /(?:\r\n|[\n\r\u2028\u2029])[ \t]*/g;
const HAS_LINE_BREAK = /[\n\r\u2028\u2029]/;

/**
 * The line breaks of `source[start, end)` as written, each with the indentation after it
 * (so what follows keeps its column too), leaving out those inside `moved`:
 * stretches the lowering re-emits elsewhere as they are (a loop's head binding), whose
 * breaks travel with them.
 */
export function lineBreaksIn(source: string, start: number, end: number, moved: readonly Range[] = []): string {
  let breaks = "";
  for (const match of source.slice(start, end).matchAll(LINE_BREAK)) {
    const at = start + match.index;
    if (!moved.some(([from, to]) => at >= from && at < to)) breaks += match[0];
  }
  return breaks;
}

/**
 * A string literal of `text` for generated code: JSON's escapes, and U+2028 and U+2029
 * escaped too, since JavaScript engines count them as line breaks even inside a string.
 */
export function stringLiteral(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * `text` (a binding the lowering moves) on one line: its line breaks between tokens become
 * spaces, so those breaks can stay where they were and everything around keeps its line.
 * Null when a break is part of a token (a template, a comment): then the text must move as
 * it is, breaks and all.
 */
export function onOneLine(text: string): string | null {
  let flat = "";
  for (const token of jsTokens(text)) {
    if (token.type === "LineTerminatorSequence") flat += " ";
    else if (HAS_LINE_BREAK.test(token.value) || token.type === "SingleLineComment") return null;
    else flat += token.value;
  }
  return flat;
}
