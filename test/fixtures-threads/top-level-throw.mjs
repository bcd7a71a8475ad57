// A module whose evaluation throws.
throw new Error("module top level failed");
export function never() {}
