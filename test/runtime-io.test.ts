import { once } from "node:events";
import { createServer, connect, type AddressInfo } from "node:net";
import { describe, expect, test } from "vitest";
import { Queue, run, spawn } from "../runtime/index.js";

describe("never starves sockets", () => {
  test("a Queue ping-pong of two tasks still lets a loopback echo round trip through", async () => {
    const server = createServer((socket) => socket.pipe(socket));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const client = connect(port, "127.0.0.1");
    await once(client, "connect");

    const start = performance.now();
    let echoedAfter = -1;
    client.once("data", () => (echoedAfter = performance.now() - start));
    client.write("ping");

    let rounds = 0;
    function* echo(inbox: Queue<number>, outbox: Queue<number>) {
      for (;;) yield* outbox.put((yield* inbox.get()) + 1);
    }
    function* main() {
      const ping = new Queue<number>(1);
      const pong = new Queue<number>(1);
      spawn(echo(ping, pong)); // cancelled by run() when main ends
      let n = 0;
      while (performance.now() - start < 300) {
        yield* ping.put(n);
        n = yield* pong.get();
        rounds++;
      }
    }
    try {
      await run(main());
    } finally {
      client.destroy();
      server.close();
    }
    expect(rounds).toBeGreaterThan(1000);
    expect(echoedAfter).toBeGreaterThan(0);
    expect(echoedAfter).toBeLessThan(150);
  });
});
