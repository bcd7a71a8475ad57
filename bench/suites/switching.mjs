/**
 * Task switching: two tasks play ping-pong through two queues — one sends a number, the
 * other sends it back — so every message wakes the other task. Our `Queue` against
 * async/await with a simple promise queue, co on the same promise queue, and Effection.
 */

import co from "co";
import { createChannel, createQueue, run as effectionRun, spawn as effectionSpawn } from "effection";
import { dist, peers, ratio, summary, target, time, timeCases, timingTable } from "../harness.mjs";

const { Queue, run, spawn } = await import(dist("runtime/index.js"));

/** The usual promise queue of async/await code: `get()` is a promise, `put()` wakes a getter. */
class PromiseQueue {
  items = [];
  getters = [];
  put(value) {
    const getter = this.getters.shift();
    if (getter) getter(value);
    else this.items.push(value);
  }
  get() {
    return this.items.length > 0 ? Promise.resolve(this.items.shift()) : new Promise((resolve) => this.getters.push(resolve));
  }
}

/** Each implementation sends `rounds` numbers and gets each back: 2 × rounds messages. */
function* yieldingPingPong(rounds) {
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

async function asyncPingPong(rounds) {
  const ping = new PromiseQueue();
  const pong = new PromiseQueue();
  const echo = (async () => {
    for (let i = 0; i < rounds; i++) pong.put(await ping.get());
  })();
  let sum = 0;
  for (let i = 0; i < rounds; i++) {
    ping.put(i % 100);
    sum += await pong.get();
  }
  await echo;
  return sum;
}

function coPingPong(rounds) {
  const ping = new PromiseQueue();
  const pong = new PromiseQueue();
  const echo = co(function* () {
    for (let i = 0; i < rounds; i++) pong.put(yield ping.get());
  });
  return co(function* () {
    let sum = 0;
    for (let i = 0; i < rounds; i++) {
      ping.put(i % 100);
      sum += yield pong.get();
    }
    yield echo;
    return sum;
  });
}

function effectionChannelPingPong(rounds) {
  return effectionRun(function* () {
    const ping = createChannel();
    const pong = createChannel();
    const pings = yield* ping; // subscribe before anything is sent
    const pongs = yield* pong;
    const echo = yield* effectionSpawn(function* () {
      for (let i = 0; i < rounds; i++) yield* pong.send((yield* pings.next()).value);
    });
    let sum = 0;
    for (let i = 0; i < rounds; i++) {
      yield* ping.send(i % 100);
      sum += (yield* pongs.next()).value;
    }
    yield* echo;
    return sum;
  });
}

function effectionQueuePingPong(rounds) {
  return effectionRun(function* () {
    const ping = createQueue();
    const pong = createQueue();
    const echo = yield* effectionSpawn(function* () {
      for (let i = 0; i < rounds; i++) pong.add((yield* ping.next()).value);
    });
    let sum = 0;
    for (let i = 0; i < rounds; i++) {
      ping.add(i % 100);
      sum += (yield* pong.next()).value;
    }
    yield* echo;
    return sum;
  });
}

export default {
  name: "switching",
  async run(opts) {
    const messages = opts.quick ? 20_000 : 200_000;
    const rounds = messages / 2;
    let expect = 0;
    for (let i = 0; i < rounds; i++) expect += i % 100;
    const results = await timeCases(
      [
        { name: "async/await, promise queue", ops: messages, expect, run: () => asyncPingPong(rounds) },
        { name: "yielding `Queue` (`run()` tasks)", ops: messages, expect, run: () => run(yieldingPingPong(rounds)) },
        { name: "co, promise queue", ops: messages, expect, run: () => coPingPong(rounds) },
        { name: "Effection `createChannel()`", ops: messages, expect, run: () => effectionChannelPingPong(rounds) },
        { name: "Effection `createQueue()`", ops: messages, expect, run: () => effectionQueuePingPong(rounds) },
      ],
      opts,
    );
    const [asyncAwait, queue, coQueue, channel, effectionQueue] = results.map((r) => r.ns);
    return {
      tables: [
        timingTable(`Task switching: ${messages.toLocaleString("en-US")} messages between two tasks (ping-pong)`, results, {
          unit: "per message",
          note: "One task sends a number through one queue, the other sends it back through a second: every message is a task switch.",
        }),
      ],
      summary: [
        summary(
          "ping-pong between two tasks, per message",
          `${time(queue)} (${ratio(queue / asyncAwait)} async/await)`,
          peers([["async/await", asyncAwait], ["co", coQueue], ["Effection Channel", channel], ["Effection Queue", effectionQueue]]),
        ),
      ],
      targets: [
        target("Queue ping-pong ≤ 0.8× async/await", `${(queue / asyncAwait).toFixed(2)}×`, queue <= 0.8 * asyncAwait),
        target("Queue ping-pong ≥ 10× faster than Effection's Channel", `${(channel / queue).toFixed(1)}× faster`, channel >= 10 * queue),
      ],
    };
  },
};
