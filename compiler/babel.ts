import generatorModule from "@babel/generator";

/**
 * Babel 7 ships CommonJS with the API on `default`; Node's ESM loader hands over the
 * whole `module.exports`, while bundlers often unwrap `default` already. These take
 * whichever form arrived.
 */
function interop<T extends { default: unknown }>(module: T): T["default"] {
  return (module.default ?? module) as T["default"];
}

export const generate = interop(generatorModule);
