/**
 * Helpers shared by the runtime tests (test/runtime-*.test.ts): one copy of each, so a fix
 * to how a test watches error reports reaches every file at once. The tests write their
 * yielding loops in the syntax itself: vitest compiles them (see vitest.config.ts).
 */
import { afterEach, beforeEach, expect, vi, type MockInstance } from "vitest";

/**
 * What guardReports() watches, for the running test: `spy` is the silenced console.error
 * (its calls are the runtime's error reports) and `exitCode` is process.exitCode as it was
 * before the test, which the guard puts back afterwards.
 */
export interface ReportGuard {
  spy: MockInstance<typeof console.error>;
  exitCode: typeof process.exitCode;
}

/**
 * Silences console.error and fails the test if the runtime reported an error it did not
 * expect (the runtime reports unobserved task errors there and sets process.exitCode).
 * Call it once at the top level of a test file; it registers a beforeEach/afterEach pair.
 * After each test process.exitCode is restored, and the test fails if anything was
 * reported or if exitCode changed. Tests that expect a report take it with takeReports() first.
 */
export function guardReports(): ReportGuard {
  const state: ReportGuard = { spy: undefined as unknown as MockInstance<typeof console.error>, exitCode: process.exitCode };
  beforeEach(() => {
    state.exitCode = process.exitCode;
    state.spy = vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterEach(() => {
    const calls = state.spy.mock.calls;
    state.spy.mockRestore();
    const code = process.exitCode;
    process.exitCode = state.exitCode;
    expect(calls, "unexpected error reports").toEqual([]);
    expect(code).toBe(state.exitCode);
  });
  return state;
}

/**
 * Takes the reports `reports` (from guardReports()) has seen so far in this test and
 * restores exitCode, so a test can assert on a report it expects without the guard
 * failing it; returns [exitCode, errors reported] (each report's last argument).
 */
export function takeReports(reports: ReportGuard): [unknown, unknown[]] {
  const errors = reports.spy.mock.calls.map((args) => args[args.length - 1]);
  const code = process.exitCode;
  reports.spy.mockClear();
  process.exitCode = reports.exitCode;
  return [code, errors];
}

/** A promise that fulfils after `ms` ms of host time: lets the loop and its timers run. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The error `p` rejects with (fails the test if it fulfils), so a test can make several
 * assertions on it. `E` is the type to give it: `unknown` unless the caller says otherwise.
 */
export async function rejection<E = unknown>(p: PromiseLike<unknown>): Promise<E> {
  try {
    await p;
  } catch (e) {
    return e as E;
  }
  throw new Error("expected a rejection");
}
