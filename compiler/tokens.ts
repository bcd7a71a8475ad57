/**
 * The tokens the reader works with (as js-tokens makes them) and the questions it asks of
 * them: SPEC §2's "does this token start an expression", brackets, words; and the quick
 * check that decides whether a file needs reading at all.
 */

/** A token that is not white space, a line break or a comment. */
export interface SignificantToken {
  readonly type: string;
  readonly value: string;
}

/** The significant token at an index, while the reader still holds it. */
export type TokenAt = (index: number) => SignificantToken | undefined;

/** Tokens after which `yielding` is an ordinary identifier even in keyword position (SPEC §2). */
export const WORDS_THAT_CONTINUE = new Set(["in", "of", "instanceof", "as", "satisfies"]);
/** Punctuators that start an expression (SPEC §2): after `yielding`, they make it the keyword. */
export const PUNCTUATORS_THAT_START = new Set(["(", "[", "{", "!", "~"]);

/** Whether the token opens a bracket the reader tracks: `(`, `[` or `{`. */
export function isOpener(token: SignificantToken): boolean {
  return (token.type === "Punctuator" || token.type === "JSXPunctuator") && (token.value === "(" || token.value === "[" || token.value === "{");
}

/** Whether the token closes a bracket the reader tracks: `)`, `]` or `}`. */
export function isCloser(token: SignificantToken): boolean {
  return (token.type === "Punctuator" || token.type === "JSXPunctuator") && (token.value === ")" || token.value === "]" || token.value === "}");
}

/**
 * Whether `let` followed by `next` declares (a name, `[` or `{` come next), as JavaScript
 * reads `for (let [`; `let` before `)`, `.`, `in` and the like is a name.
 */
export function letDeclares(next: SignificantToken | undefined): boolean {
  return next !== undefined && (next.value === "[" || next.value === "{" || (next.type === "IdentifierName" && !WORDS_THAT_CONTINUE.has(next.value)));
}

/** Whether the token is the identifier or keyword `word`. */
export function isWord(token: SignificantToken | undefined, word: string): boolean {
  return token !== undefined && token.type === "IdentifierName" && token.value === word;
}

/** SPEC §2: does this token start an expression, making the `yielding` before it the keyword? */
export function startsExpression(token: SignificantToken | undefined): boolean {
  if (!token) return false;
  switch (token.type) {
    case "IdentifierName":
      return !WORDS_THAT_CONTINUE.has(token.value);
    case "StringLiteral":
    case "NumericLiteral":
    case "NoSubstitutionTemplate":
    case "TemplateHead":
      return true;
    case "Punctuator":
      return PUNCTUATORS_THAT_START.has(token.value);
    default:
      return false;
  }
}

/** Whether JavaScript reads this token after an identifier as a call, an index or a tagged template. */
export function continuesIdentifier(token: SignificantToken): boolean {
  return token.value === "(" || token.value === "[" || token.type === "NoSubstitutionTemplate" || token.type === "TemplateHead";
}

/**
 * Whether a file might hold a comprehension: `[for (` or `(for (`, with blanks or comments
 * between (a comprehension without the keyword is the extension's syntax too). Only a file
 * with neither this, nor a declaring `with`, nor the word `yielding` skips the reader. A
 * scan from one `for` to the next with `indexOf`: about 5× faster than a regular expression
 * with a leading class. It errs on the side of reading: a `//` on the line before counts as
 * a comment that may hide the `[` or `(`.
 */
export function mayHoldComprehension(source: string): boolean {
  for (let at = source.indexOf("for"); at >= 0; at = source.indexOf("for", at + 3)) {
    if (source.charCodeAt(skipBlanks(source, at + 3)) === 0x28 /* ( */ && opensBefore(source, at)) return true;
  }
  return false;
}

/** Whether a `[` or `(` may stand right before `at`, past blanks and comments. */
function opensBefore(source: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0) {
    const code = source.charCodeAt(i);
    if (isLineBreak(code)) {
      // The line before may end in a line comment: a `[` or `(` before any `//` on it counts.
      // One walk back over that line (never past it), looking at each `//` on the way.
      for (let c = i - 1; c > 0 && !isLineBreak(source.charCodeAt(c)); c--) {
        if (source.charCodeAt(c) === 0x2f && source.charCodeAt(c - 1) === 0x2f && opensBefore(source, c - 1)) return true;
      }
      i--;
    } else if (isSpace(code)) {
      i--;
    } else if (code === 0x2f /* / */ && source.charCodeAt(i - 1) === 0x2a /* * */) {
      const open = source.lastIndexOf("/*", i - 2);
      if (open < 0) return false;
      i = open - 1;
    } else {
      return code === 0x5b /* [ */ || code === 0x28 /* ( */;
    }
  }
  return false;
}

/**
 * Whether a file might hold a `with` that declares (`with (const …`, `with (let x …`): never
 * JavaScript, so always the extension's syntax, even in a file without the keyword, where
 * it is then reported (`E_WITH_INIT`) instead of failing later in the engine. `with (let[0])`
 * is sloppy JavaScript, so `let` counts only before a name or `{`.
 */
export function mayHoldWithBinding(source: string): boolean {
  for (let at = source.indexOf("with"); at >= 0; at = source.indexOf("with", at + 4)) {
    let next = skipBlanks(source, at + 4);
    if (source.charCodeAt(next) !== 0x28 /* ( */) continue;
    next = skipBlanks(source, next + 1);
    if (source.startsWith("const", next) && !isIdentifierPart(source.charCodeAt(next + 5))) return true;
    if (source.startsWith("let", next) && !isIdentifierPart(source.charCodeAt(next + 3))) {
      const after = source.charCodeAt(skipBlanks(source, next + 3));
      if (after === 0x7b /* { */ || isIdentifierStart(after)) return true;
    }
  }
  return false;
}

/** The offset of the first character at or after `from` that is neither white space nor in a comment. */
function skipBlanks(source: string, from: number): number {
  for (;;) {
    const code = source.charCodeAt(from);
    if (isSpace(code) || isLineBreak(code)) from++;
    else if (code === 0x2f /* / */ && source.charCodeAt(from + 1) === 0x2a /* * */) {
      const end = source.indexOf("*/", from + 2);
      if (end < 0) return source.length;
      from = end + 2;
    } else if (code === 0x2f /* / */ && source.charCodeAt(from + 1) === 0x2f /* / */) {
      while (from < source.length && !isLineBreak(source.charCodeAt(from))) from++;
    } else return from;
  }
}

/** The characters that end a line in JavaScript. */
function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

/** JavaScript's white space (tab, vertical tab, form feed, space, no-break space, BOM and Unicode spaces). */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c || (code > 0x7f && /\s/.test(String.fromCharCode(code)));
}

/** ASCII letters, `$` and `_` (and any non-ASCII character, conservatively). */
function isIdentifierStart(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x24 || code === 0x5f || code > 0x7f;
}

function isIdentifierPart(code: number): boolean {
  return isIdentifierStart(code) || (code >= 0x30 && code <= 0x39);
}



