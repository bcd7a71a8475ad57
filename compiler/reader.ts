import jsTokens from "js-tokens";
import { compileErrorAt } from "./errors.js";
import { OffsetMap } from "./offsets.js";
import {
  continuesIdentifier,
  isCloser,
  isOpener,
  isWord,
  letDeclares,
  mayHoldComprehension,
  mayHoldWithBinding,
  startsExpression,
  type SignificantToken,
  type TokenAt,
} from "./tokens.js";

/**
 * The reader (ARCHITECTURE step 1): finds the places where `yielding` is the keyword
 * (SPEC §2) with a real JavaScript tokenizer, and rewrites each one into valid JavaScript
 * the parser accepts — a call to a marker function whose name cannot occur in the file —
 * recording every edit so positions map back to the original.
 *
 *   for (HEAD of yielding E) S                      →   for (HEAD of LOOP(E)) S
 *   with (yielding E) S                             →   for (WITH(E);;) S
 *   with (const a = yielding E, b = yielding F) S   →   for (const a = WITH(E), b = WITH(F);;) S
 *   [for (const x of yielding E) if (C) e]          →   [FOR( x = LOOP(E), IF(C, e))]
 *   (for (x of E) e)                                →   (FOR(x = E, e))
 *
 * A `with` statement is a syntax error in strict code, so the reader turns each of ours
 * into a `for (;;)` the parser accepts (with the same scoping of its bindings); the
 * desugarer knows those loops by their offsets, and checks what a `for` would allow that a
 * `with` does not (a `break` with nothing to break, a `continue` to its label).
 * A comprehension (never plain JavaScript: `[for` and `(for` are syntax errors) becomes
 * nested calls the parser accepts, with every expression and binding in place; the reader
 * records where its brackets and clause heads are, for the desugarer.
 */

/** Names of the marker functions chosen for one file. */
export interface Markers {
  /** Wraps the iterable of a yielding for-of loop. */
  readonly loop: string;
  /** Wraps the manager expression of a yielding `with`. */
  readonly with: string;
  /** A comprehension's `for` clause: `FOR(binding = source, rest)`. */
  readonly for: string;
  /** A comprehension's `if` clause: `IF(condition, rest)`. */
  readonly if: string;
}

/** Where the parts of one comprehension are in the original source (offsets). */
export interface ComprehensionMark {
  readonly kind: "array" | "lazy";
  /** The `[` or `(` that opens it, and the `]` or `)` that closes it. */
  readonly open: number;
  close: number;
  /** Where its first `FOR(` call starts in the marked code. */
  readonly first: number;
  readonly clauses: ClauseMark[];
}

/** Where the parts of one comprehension clause are in the original source (offsets). */
export interface ClauseMark {
  readonly kind: "for" | "if";
  /** The `for` or `if` keyword. */
  readonly keyword: number;
  /** The head's `(` and `)`. */
  headOpen: number;
  headClose: number;
  /** `const` or `let` before the binding, when written: [start, end). */
  declaration: readonly [number, number] | null;
  /** A `for` clause's `of` (which the marked code spells `=`), or -1 when the head has none. */
  of: number;
}

/** The reader's product: source the parser accepts, and the way back to the original. */
export interface MarkedSource {
  readonly code: string;
  readonly offsets: OffsetMap;
  readonly markers: Markers;
  /**
   * The identifier names the file spells that a generated name could be: those starting
   * with `_` (generated names all do) or with a marker's name.
   */
  readonly identifiers: ReadonlySet<string>;
  /**
   * Where each marker call, and each `for` that was a yielding `with`, starts in `code`,
   * ascending: the parser's offsets of the sites.
   */
  readonly sites: readonly number[];
  /** Where each `for` that was a yielding `with` starts in `code`, ascending. */
  readonly withStatements: readonly number[];
  /** Every comprehension, by the offset of its first `FOR(` call in `code`, ascending. */
  readonly comprehensions: readonly ComprehensionMark[];
  /**
   * The `with (E)` statements left to JavaScript (no keyword), as original offsets of the
   * `with` and of its head's `(` and `)`: a module rejects them, and the message can then say
   * how to write ours.
   */
  readonly plainWithHeads: readonly PlainWithHead[];
}

/** A `with (E)` statement without the keyword: offsets of `with`, `(` and `)` in the original source. */
export interface PlainWithHead {
  readonly keyword: number;
  readonly open: number;
  close: number;
}

export interface ReadOptions {
  filename: string;
  jsx: boolean;
}

/** A bracket the tokenizer has opened and not yet closed. */
interface Frame {
  readonly open: string;
  /**
   * For `(`: whether it opens the head of `for (`, `for await (`, or one of our `with (`:
   * `with (yielding E)` ("with-expression") or `with (const|let …)` ("with-bindings"), or
   * the head of a comprehension clause ("comprehension-for", "comprehension-if").
   */
  readonly head: "for" | "for-await" | "with-expression" | "with-bindings" | "comprehension-for" | "comprehension-if" | null;
  /** The index of the token that opened this frame. */
  readonly index: number;
  /** For the `[` or `(` of a comprehension: its mark, and whether a clause may come next. */
  readonly comprehension: { readonly mark: ComprehensionMark; expectClause: boolean } | null;
  /** For a comprehension clause head: its mark, the comprehension's frame, and whether its `of` was seen. */
  readonly clause: { readonly mark: ClauseMark; readonly owner: Frame; bindingIndex: number; sawOf: boolean } | null;
  /** For the `(` of a `with (E)` left to JavaScript: where it is. */
  readonly plainWith: PlainWithHead | null;
  /** Set while a marker call opened in this frame waits for its `)`. */
  marked: boolean;
  /** In a marked `with (const …)` head: how many `<` of E no `>` has closed yet. */
  angles: number;
  /**
   * In a marked `with (const …)` head: where a comma after an unclosed `<` is (else -1). It
   * ends E (`yielding a < b, c = …`) unless a `>` closes a `<` opened before it
   * (`yielding make<A, B>()`, `yielding x < make<A, B>()`).
   */
  comma: number;
  /** How many `<` were unclosed at that comma. */
  commaAngles: number;
}

const MARKER_PREFIX = "yielding$";
const LOOP_MARKER = `${MARKER_PREFIX}loop`;
const WITH_MARKER = `${MARKER_PREFIX}with`;
const FOR_MARKER = `${MARKER_PREFIX}for`;
const IF_MARKER = `${MARKER_PREFIX}if`;

const CLOSERS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/**
 * Reads `source` and returns the marked source, or `null` when the file uses none of the
 * extension's syntax — then the caller returns the source unchanged, without parsing it.
 * Misplaced keywords the parser could not explain well (`for (x in yielding e)`,
 * `for await (x of yielding e)`, `with (var …)`) are reported here as `CompileError`s.
 */
export function read(source: string, options: ReadOptions): MarkedSource | null {
  if (!source.includes("yielding") && !mayHoldComprehension(source) && !mayHoldWithBinding(source)) return null;
  const defaults: Markers = { loop: LOOP_MARKER, with: WITH_MARKER, for: FOR_MARKER, if: IF_MARKER };
  const marked = scan(source, options, defaults);
  if (marked === null || !Object.values(defaults).some((name) => marked.identifiers.has(name))) return marked;
  // The file spells a marker's name (rare): read it again with names it does not use.
  const taken = marked.identifiers;
  return scan(source, options, {
    loop: freshName(LOOP_MARKER, taken),
    with: freshName(WITH_MARKER, taken),
    for: freshName(FOR_MARKER, taken),
    if: freshName(IF_MARKER, taken),
  });
}

/** How many significant tokens the reader keeps: it looks two behind and two ahead. */
const WINDOW = 8;

/** How many times the tokenizer may start afresh after a misread JSX element (each copies the rest of the file). */
const MAX_RESTARTS = 64;

/**
 * One pass over the tokens as js-tokens makes them, without a token array: each significant
 * token is handled once the two after it are known, from a small ring of recent tokens.
 */
function scan(source: string, options: ReadOptions, markers: Markers): MarkedSource | null {
  const ring: (SignificantToken | undefined)[] = new Array(WINDOW);
  const ringStarts: number[] = new Array(WINDOW).fill(0);
  let count = 0;
  const tokenAt: TokenAt = (index) => (index >= 0 && index < count && index >= count - WINDOW ? ring[index % WINDOW] : undefined);
  const startOf = (index: number): number => ringStarts[index % WINDOW]!;

  const identifiers = new Set<string>();
  const offsets = new OffsetMap(source);
  const sites: number[] = [];
  const withStatements: number[] = [];
  const comprehensions: ComprehensionMark[] = [];
  const plainWithHeads: PlainWithHead[] = [];
  /** A comprehension clause whose keyword was read: its head's `(` comes next. */
  let pendingClause: { mark: ClauseMark; owner: Frame } | null = null;
  let code = "";
  let copiedUpTo = 0;
  let shift = 0;

  /** The head whose `comma` is undecided, if any: its `)` goes in before any later edit. */
  let undecided: Frame | null = null;

  /** Replaces `source[start, end)` with `text` in the marked output. */
  const edit = (start: number, end: number, text: string): void => {
    if (undecided !== null && start > undecided.comma) endAtComma(undecided);
    code += source.slice(copiedUpTo, start) + text;
    copiedUpTo = end;
    const markedStart = start + shift;
    offsets.record(start, end, markedStart, markedStart + text.length);
    shift += text.length - (end - start);
  };

  /** The undecided comma of `frame` ends its E after all. */
  const endAtComma = (frame: Frame): void => {
    const at = frame.comma;
    frame.comma = -1;
    frame.marked = false;
    frame.angles = 0;
    if (undecided === frame) undecided = null;
    edit(at, at, ")");
  };

  /** Opens a marker call in place of the `yielding` at token `i`. */
  const openMarker = (i: number, frame: Frame, marker: string): void => {
    frame.marked = true;
    sites.push(startOf(i) + shift);
    edit(startOf(i), startOf(i) + "yielding".length, `${marker}(`);
  };

  const stack: Frame[] = [];
  /** Handles the significant token `i`; tokens i-2 … i+2 are in the ring. */
  const handle = (i: number): void => {
    const token = tokenAt(i)!;
    const top = stack[stack.length - 1];
    if (top?.comprehension?.expectClause) {
      // After `[` or a clause head: another clause (`for (…)`, `if (…)`), or the element.
      const comprehension = top.comprehension;
      const next = tokenAt(i + 1);
      const opensHead = next !== undefined && next.type === "Punctuator" && next.value === "(";
      const kind = opensHead && isWord(token, "for") ? "for" : opensHead && isWord(token, "if") && comprehension.mark.clauses.length > 0 ? "if" : null;
      comprehension.expectClause = false;
      if (kind !== null) {
        const mark: ClauseMark = { kind, keyword: startOf(i), headOpen: -1, headClose: -1, declaration: null, of: -1 };
        comprehension.mark.clauses.push(mark);
        pendingClause = { mark, owner: top };
        edit(startOf(i), startOf(i) + kind.length, kind === "for" ? markers.for : markers.if);
        return;
      }
    }
    if (top?.clause && top.head === "comprehension-for" && i === top.clause.bindingIndex && !top.clause.sawOf) {
      // `for (const x of …)`: the declaration goes (every binding is fresh); the desugarer puts it back.
      const next = tokenAt(i + 1);
      if (isWord(token, "const") || (isWord(token, "let") && letDeclares(next))) {
        top.clause.mark.declaration = [startOf(i), startOf(i) + token.value.length];
        top.clause.bindingIndex = i + 1;
        edit(startOf(i), startOf(i) + token.value.length, "");
        return;
      }
    }
    if (top?.clause && top.head === "comprehension-for" && !top.clause.sawOf && i > top.clause.bindingIndex && isWord(token, "of")) {
      top.clause.sawOf = true;
      top.clause.mark.of = startOf(i);
      edit(startOf(i), startOf(i) + 2, "=");
      // `of yielding E`: the keyword's branch below still sees `of` before it.
      return;
    }
    // Past this point only brackets, `,`, `<`, `=`, `>`, templates and the keyword matter.
    const type = token.type;
    if (type !== "Punctuator" && type !== "JSXPunctuator" && type !== "TemplateHead" && type !== "TemplateTail" && token.value !== "yielding") return;
    if (isOpener(token)) {
      const clause = token.value === "(" && pendingClause !== null ? pendingClause : null;
      pendingClause = null;
      const head: Frame["head"] = clause
        ? clause.mark.kind === "for"
          ? "comprehension-for"
          : "comprehension-if"
        : token.value === "("
          ? (loopHeadKind(tokenAt, i) ?? withHeadKind(tokenAt, i, source, startOf, options.filename))
          : null;
      const next = tokenAt(i + 1);
      const startsComprehension = token.value !== "{" && isWord(next, "for") && tokenAt(i + 2)?.value === "(" && tokenAt(i + 2)?.type === "Punctuator";
      const frame: Frame = {
        open: token.value,
        head,
        index: i,
        plainWith: head === null && token.value === "(" && isStatementWord(tokenAt, i - 1, "with") ? { keyword: startOf(i - 1), open: startOf(i), close: -1 } : null,
        marked: false,
        angles: 0,
        comma: -1,
        commaAngles: 0,
        comprehension: startsComprehension
          ? {
              mark: { kind: token.value === "[" ? "array" : "lazy", open: startOf(i), close: -1, first: startOf(i + 1) + shift, clauses: [] },
              expectClause: true,
            }
          : null,
        clause: clause ? { mark: clause.mark, owner: clause.owner, bindingIndex: i + 1, sawOf: false } : null,
      };
      if (clause) clause.mark.headOpen = startOf(i);
      if (frame.comprehension) sites.push(frame.comprehension.mark.first);
      stack.push(frame);
      if (head === "with-expression" || head === "with-bindings") {
        // `with` → `for `: same length, so the statement keeps its offsets.
        withStatements.push(startOf(i - 1) + shift);
        sites.push(startOf(i - 1) + shift);
        edit(startOf(i - 1), startOf(i - 1) + "with".length, "for ");
        if (head === "with-expression") openMarker(i + 1, frame, markers.with);
      }
    } else if (isCloser(token)) {
      if (top !== undefined && top.open !== CLOSERS[token.value] && holdsOurs(stack)) {
        // An unbalanced bracket inside one of our constructs: the marked code might balance
        // it by accident, so it is reported here (elsewhere the parser reports it).
        throw compileErrorAt("E_SYNTAX", `Unexpected token, expected "${closerOf(top.open)}"`, source, startOf(i), options.filename);
      }
      const frame = popMatching(stack, CLOSERS[token.value] ?? "{");
      if (frame?.plainWith) {
        frame.plainWith.close = startOf(i);
        plainWithHeads.push(frame.plainWith);
      }
      if (frame !== undefined && frame.comma >= 0) endAtComma(frame);
      const close = frame?.marked ? ")" : "";
      const isWith = frame?.head === "with-expression" || frame?.head === "with-bindings";
      if (frame?.clause) {
        // A clause head's `)` separates it from the rest: `FOR(x = E, rest)`, `IF(C, rest)`.
        frame.clause.mark.headClose = startOf(i);
        if (frame.clause.owner.comprehension) frame.clause.owner.comprehension.expectClause = true;
        edit(startOf(i), startOf(i) + 1, `${close},`);
      } else if (frame?.comprehension) {
        const mark = frame.comprehension.mark;
        mark.close = startOf(i);
        comprehensions.push(mark);
        edit(startOf(i), startOf(i), ")".repeat(mark.clauses.length));
      } else if (close || isWith) {
        edit(startOf(i), startOf(i), isWith ? `${close};;` : close);
      }
    } else if (token.value === "," && token.type === "Punctuator") {
      // `with (const a = yielding E, b = …)`: E ends at the comma, unless the comma may be
      // between type arguments (`yielding make<A, B>()`): the next `>` or `=` tells.
      const frame = stack[stack.length - 1];
      if (frame?.head === "with-bindings" && frame.marked) {
        if (frame.angles === 0) {
          frame.marked = false;
          edit(startOf(i), startOf(i), ")");
        } else if (frame.comma < 0) {
          if (undecided !== null) endAtComma(undecided);
          frame.comma = startOf(i);
          frame.commaAngles = frame.angles;
          undecided = frame;
        }
      }
    } else if (token.type === "Punctuator" && (token.value === "<" || token.value === "=" || token.value === ">" || token.value === ">>" || token.value === ">>>")) {
      const frame = stack[stack.length - 1];
      if (frame?.head === "with-bindings" && frame.marked) {
        if (token.value === "<") frame.angles++;
        else if (token.value === "=") {
          if (frame.comma >= 0) endAtComma(frame);
        } else {
          // A `>` that closes a `<` opened before the comma: the comma was between type arguments.
          frame.angles = Math.max(0, frame.angles - token.value.length);
          if (frame.comma >= 0 && frame.angles < frame.commaAngles) {
            frame.comma = -1;
            if (undecided === frame) undecided = null;
          }
        }
      }
    } else if (token.type === "TemplateHead") {
      stack.push({ open: "`", head: null, index: i, plainWith: null, marked: false, angles: 0, comma: -1, commaAngles: 0, comprehension: null, clause: null });
    } else if (token.type === "TemplateTail") {
      popMatching(stack, "`");
    } else if (token.type === "IdentifierName" && token.value === "yielding") {
      const frame = stack[stack.length - 1];
      if (!frame?.head || !startsExpression(tokenAt(i + 1)) || isNonNullAssertion(tokenAt(i + 1)!, tokenAt(i + 2))) return;
      const previous = tokenAt(i - 1)!;
      if (frame.head === "with-bindings") {
        // `with (const a = yielding E)`: the keyword right after a binding's `=`.
        if (previous.type === "Punctuator" && previous.value === "=" && !frame.marked) openMarker(i, frame, markers.with);
        return;
      }
      if (frame.head === "with-expression" || previous.type !== "IdentifierName") return;
      if (previous.value === "in") {
        // `for (k in yielding(x))` and `yielding[i]`, `` yielding`t` `` are plain JavaScript.
        if (continuesIdentifier(tokenAt(i + 1)!)) return;
        throw compileErrorAt("E_FOR_IN", "yielding loops iterate values: write `of`", source, startOf(i), options.filename);
      }
      if (previous.value !== "of") return;
      if (frame.head === "for-await") {
        throw compileErrorAt(
          "E_FOR_AWAIT",
          "`for await` cannot iterate a `yielding` source: write `for (… of yielding …)` in a generator function",
          source,
          startOf(i),
          options.filename,
        );
      }
      openMarker(i, frame, markers.loop);
    }
  };

  // In JSX mode, js-tokens reads a TypeScript generic arrow `<T,>(x: T) => …` as a JSX
  // element, and the rest of the file as its text; it says so with a `JSXInvalid` token (the
  // comma). Tokenizing starts afresh after such a token, a bounded number of times.
  let restarts = 0;
  for (let from = 0; from >= 0; ) {
    let start = from;
    const rest = from === 0 ? source : source.slice(from);
    from = -1;
    for (const token of jsTokens(rest, { jsx: options.jsx }) as Iterable<SignificantToken>) {
      const type = token.type;
      if (type === "JSXInvalid" && restarts < MAX_RESTARTS) {
        restarts++;
        from = start + token.value.length;
        break;
      }
      if (
        type !== "WhiteSpace" &&
        type !== "LineTerminatorSequence" &&
        type !== "MultiLineComment" &&
        type !== "SingleLineComment" &&
        type !== "HashbangComment"
      ) {
        const value = token.value;
        if ((type === "IdentifierName" || type === "JSXIdentifier") && (value.charCodeAt(0) === 95 /* _ */ || value.startsWith(MARKER_PREFIX))) {
          identifiers.add(value);
        }
        ring[count % WINDOW] = token;
        ringStarts[count % WINDOW] = start;
        count++;
        if (count >= 3) handle(count - 3);
      }
      start += token.value.length;
    }
  }
  for (let i = Math.max(0, count - 2); i < count; i++) handle(i);
  const unclosed = stack[stack.length - 1];
  if (unclosed !== undefined && holdsOurs(stack)) {
    throw compileErrorAt("E_SYNTAX", `Unexpected token, expected "${closerOf(unclosed.open)}"`, source, source.length, options.filename);
  }

  if (copiedUpTo === 0) return null; // `yielding` appeared, but never as the keyword
  code += source.slice(copiedUpTo);
  comprehensions.sort((a, b) => a.first - b.first);
  return { code, offsets, markers, identifiers, sites, withStatements, comprehensions, plainWithHeads };
}

/**
 * Pops the innermost frame opened by `open`. On unbalanced input (which the parser will
 * report) it pops only a frame that matches, so one stray bracket cannot derail the rest.
 */
function popMatching(stack: Frame[], open: string): Frame | undefined {
  for (let depth = stack.length - 1; depth >= 0; depth--) {
    if (stack[depth]!.open === open) return stack.splice(depth)[0];
  }
  return undefined;
}

/** Whether a frame on the stack is one of ours (a head we rewrite, a comprehension or a clause). */
function holdsOurs(stack: readonly Frame[]): boolean {
  return stack.some((frame) => frame.head !== null || frame.comprehension !== null || frame.marked);
}

/** The bracket that closes `open`. */
function closerOf(open: string): string {
  return open === "(" ? ")" : open === "[" ? "]" : open === "{" ? "}" : "`";
}

/**
 * Whether `!` after `yielding` is TypeScript's non-null assertion (`for (x of yielding!)`,
 * `yielding!.items`) rather than the start of the keyword's expression: nothing it could
 * negate follows.
 */
function isNonNullAssertion(next: SignificantToken, after: SignificantToken | undefined): boolean {
  return next.value === "!" && next.type === "Punctuator" && (after === undefined || NOT_AN_OPERAND.has(after.value));
}

const NOT_AN_OPERAND = new Set([")", "]", "}", ".", "?.", ",", ";", "=", ":", "?"]);

/** Whether the token at `index` is the statement keyword `word`, not a property named so (`a.with`). */
function isStatementWord(tokenAt: TokenAt, index: number, word: string): boolean {
  const before = tokenAt(index - 1);
  return isWord(tokenAt(index), word) && !(before && before.type === "Punctuator" && (before.value === "." || before.value === "?."));
}

/** Whether the `(` at `index` opens the head of `for (` or `for await (`. */
function loopHeadKind(tokenAt: TokenAt, index: number): Frame["head"] {
  let keyword = index - 1;
  let kind: Frame["head"] = "for";
  if (isWord(tokenAt(keyword), "await")) {
    keyword--;
    kind = "for-await";
  }
  // `a.for (…)` and `a?.for (…)` are calls of a method named `for`.
  return isStatementWord(tokenAt, keyword, "for") ? kind : null;
}

/**
 * Whether the `(` at `index` opens the head of one of our `with` statements: `with (yielding
 * E)` or `with (const|let BINDING …)` (a declaration there is never plain JavaScript). A
 * `with (var …)` is reported here: its bindings must be block-scoped.
 */
function withHeadKind(tokenAt: TokenAt, index: number, source: string, startOf: (index: number) => number, filename: string): Frame["head"] {
  if (!isStatementWord(tokenAt, index - 1, "with")) return null;
  const first = tokenAt(index + 1);
  const second = tokenAt(index + 2);
  if (isWord(first, "yielding") && startsExpression(second)) return "with-expression";
  if (isWord(first, "const")) return "with-bindings";
  // `with (let)` and `with (let.x)` are plain sloppy JavaScript; `let` then a name or a pattern is a declaration.
  if (isWord(first, "let") && letDeclares(second)) {
    return "with-bindings";
  }
  if (isWord(first, "var")) {
    throw compileErrorAt("E_WITH_VAR", "a `with` binding is scoped to its block: write `const` or `let`, not `var`", source, startOf(index + 1), filename);
  }
  return null;
}

/** `base`, or `base` with a number appended, such that no identifier in the file has that name. */
function freshName(base: string, taken: ReadonlySet<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}${n}`;
  return name;
}
