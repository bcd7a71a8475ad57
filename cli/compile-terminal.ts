// How a `yielding compile` run looks on stderr: reports (coloured only where colour is
// wanted), and for a tree the progress line on a terminal and the closing summary.
import { styleText } from "node:util";

/** How many files a tree run compiled, copied unchanged (other extensions, or no syntax), and failed on. */
export interface Counts {
  compiled: number;
  copied: number;
  failed: number;
}

/**
 * Whether to colour what goes to `stream`: `FORCE_COLOR` (non-empty) forces colour on,
 * or off when it is `0` or `false`, as Node reads it; else `NO_COLOR` (non-empty) turns
 * it off; else only a terminal that has colours gets them.
 */
export function useColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return stream.isTTY === true && stream.hasColors();
}

type Style = "red" | "green" | "bold";

/** What a report's first line says went wrong: `error CODE` after `path:line:column: `, or `cannot read`/`cannot write`. */
const REPORT_KIND = /^(\S.*?:\d+:\d+: |yielding compile: )(error [A-Z_]+|error|cannot read|cannot write)(?=[: ])/;

/** `text` in `styles`; whether to colour at all is decided by `useColour`, not by the stream check of styleText. */
function paint(text: string, ...styles: Style[]): string {
  return styles.reduce((painted, style) => styleText(style, painted, { validateStream: false }), text);
}

/**
 * The terminal side of a run, on stderr: `report` writes an error report (its
 * `error CODE`, or `cannot read`/`cannot write`, in bold red when colour is on); for a
 * tree, `progress` keeps `compiling N/TOTAL files…` rewritten in place on a terminal
 * (never into a pipe or file) and `finish` clears it and prints the summary.
 */
export class Terminal {
  private readonly colour: boolean;
  private readonly live: boolean;
  private line = "";
  private drawn = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.colour = useColour(stream);
    this.live = stream.isTTY === true;
  }

  /** Writes `report` (newline-terminated lines) above the progress line, if one is shown. */
  report(report: string): void {
    const text = this.colour ? report.replace(REPORT_KIND, (_, at: string, kind: string) => at + paint(kind, "bold", "red")) : report;
    this.stream.write(this.line === "" ? text : `\r\x1b[K${text}${this.line}`);
  }

  /** Shows how far the run is, on a terminal only: at once for the first call, then at most every 100 ms. */
  progress(done: number, total: number): void {
    if (!this.live) return;
    const now = performance.now();
    if (this.line !== "" && now - this.drawn < 100) return;
    this.drawn = now;
    this.line = `compiling ${done}/${total} files…`;
    this.stream.write(`\r${this.line}\x1b[K`);
  }

  /** Clears the progress line and prints `yielding compile: N compiled, M copied unchanged, K failed in S s`. */
  finish(counts: Counts, milliseconds: number): void {
    const failed = `${counts.failed} failed`;
    const summary =
      `yielding compile: ${this.colour ? paint(`${counts.compiled} compiled`, "green") : `${counts.compiled} compiled`}, ` +
      `${counts.copied} copied unchanged, ${this.colour && counts.failed > 0 ? paint(failed, "bold", "red") : failed} ` +
      `in ${(milliseconds / 1000).toFixed(2)} s\n`;
    this.stream.write(this.line === "" ? summary : `\r\x1b[K${summary}`);
    this.line = "";
  }
}
