/**
 * Profile target: two tasks passing 200,000 numbers back and forth through two `Queue`s.
 * `npm run build`, then
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile/ping-pong.mjs
 */
import { dist } from "../harness.mjs";

const { Queue, run, spawn } = await import(dist("runtime/index.js"));

function* pingPong(rounds) {
  const ping = new Queue();
  const pong = new Queue();
  const echo = spawn(
    (function* () {
      for (let i = 0; i < rounds; i++) yield* pong.put(yield* ping.get());
    })(),
  );
  let sum = 0;
  for (let i = 0; i < rounds; i++) {
    yield* ping.put(i % 100);
    sum += yield* pong.get();
  }
  yield* echo;
  return sum;
}

const rounds = 200_000;
for (let round = 0; round < 6; round++) {
  const started = performance.now();
  await run(pingPong(rounds));
  if (round === 5) console.log(`${(((performance.now() - started) * 1e6) / (2 * rounds)).toFixed(0)} ns per message`);
}
