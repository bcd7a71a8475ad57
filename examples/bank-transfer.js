// Bank transfers in database transactions: run it with `npx yielding run examples/bank-transfer.js`.
//
// `with (const tx = yielding transaction(db)) { … }` runs its body in a transaction. The
// with-statement's exit commits when the body succeeds and rolls back when it throws, and
// that exit suspends: COMMIT and ROLLBACK are queries, and the task waits for them. Whatever
// ends the body, an error, an overdraft or a cancellation, the transaction is finished
// before the next statement runs.
//
// The database is PostgreSQL: embedded (PGlite, in memory, nothing to install) by default,
// or a server when DATABASE_URL is set (the `pg` client, a pool of connections). Point
// DATABASE_URL at a scratch database: the example creates an `accounts` table if there is
// none and resets the balances of alice, bob and carol.
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { Lock, contextManager, run, sleep, spawn, wait } from "yielding/runtime";

/**
 * A yielding context manager: BEGIN on enter, COMMIT or ROLLBACK on exit. The `tx` it
 * provides runs queries in the transaction: `const { rows } = yield* tx.query(sql, params)`.
 */
const transaction = (db) =>
  contextManager(function* (provide) {
    const client = yield* db.connect();
    try {
      yield* wait(client.query("BEGIN"));
      const tx = { query: (sql, params) => wait(client.query(sql, params)) };
      try {
        yield* provide(tx); // the body of the with-statement runs here
      } catch (error) {
        yield* wait(client.query("ROLLBACK")); // the body threw: undo its writes …
        throw error; // … and let the error go on
      }
      yield* wait(client.query("COMMIT"));
    } finally {
      client.release();
    }
  });

/** Adds `delta` to an account's balance, in the transaction `tx`. */
function* adjust(tx, name, delta) {
  // On an overdraft, the CHECK (balance >= 0) constraint makes this query throw.
  const { rows } = yield* tx.query("UPDATE accounts SET balance = balance + $1 WHERE name = $2 RETURNING balance", [delta, name]);
  if (rows.length === 0) throw new Error(`no account named ${name}`);
}

/** Moves `amount` from one account to another: both changes or neither. */
function* transfer(db, from, to, amount, { pause = 0 } = {}) {
  with (const tx = yielding transaction(db)) {
    yield* adjust(tx, from, -amount);
    if (pause > 0) yield* sleep(pause); // a slow step, as if calling a payment network
    yield* adjust(tx, to, amount);
  }
}

function* printBalances(db) {
  with (const tx = yielding transaction(db)) {
    const { rows } = yield* tx.query("SELECT name, balance FROM accounts ORDER BY name");
    console.log(`   balances: ${rows.map((row) => `${row.name} ${row.balance}`).join(", ")}`);
  }
}

function* main() {
  const db = process.env.DATABASE_URL ? server(process.env.DATABASE_URL) : embedded();
  try {
    with (const tx = yielding transaction(db)) {
      yield* tx.query("CREATE TABLE IF NOT EXISTS accounts (name text PRIMARY KEY, balance integer NOT NULL CHECK (balance >= 0))");
      yield* tx.query(
        "INSERT INTO accounts VALUES ('alice', 100), ('bob', 50), ('carol', 0) ON CONFLICT (name) DO UPDATE SET balance = EXCLUDED.balance",
      );
    }
    console.log("0. three accounts:");
    yield* printBalances(db);

    console.log("1. a transfer commits:");
    yield* transfer(db, "alice", "bob", 30);
    console.log("   alice -> bob 30: done");
    yield* printBalances(db);

    console.log("2. transfers that fail roll back (the second one after debiting alice):");
    for (const [from, to, amount] of [["bob", "carol", 500], ["alice", "dave", 10]]) {
      try {
        yield* transfer(db, from, to, amount);
      } catch (error) {
        console.log(`   ${from} -> ${to} ${amount}: ${error.message}`);
      }
    }
    yield* printBalances(db);

    console.log("3. a transfer cancelled halfway (after debiting alice) rolls back:");
    const slow = spawn(transfer(db, "alice", "carol", 20, { pause: 1000 }));
    yield* sleep(100); // alice has been debited; the transfer is in its slow step
    slow.cancel("the customer hung up"); // a CancelledError is thrown inside the with-body
    try {
      yield* slow; // waits for the task's end: its rollback has run
    } catch (error) {
      console.log(`   alice -> carol 20: ${error.message}`);
    }
    yield* printBalances(db);
  } finally {
    yield* wait(db.close());
  }
}

/**
 * The embedded database: PGlite in memory, a fresh database each run. PGlite is a single
 * connection, so a Lock serializes the transactions: connect() waits for the lock, and
 * release() hands it to the next transaction.
 */
function embedded() {
  const pglite = new PGlite();
  const lock = new Lock();
  const client = { query: (sql, params) => pglite.query(sql, params), release: () => lock.release() };
  return {
    *connect() {
      yield* lock.acquire();
      return client;
    },
    close: () => pglite.close(),
  };
}

/** A PostgreSQL server: a pool of connections, one per transaction. */
function server(connectionString) {
  const pool = new pg.Pool({ connectionString });
  return {
    *connect() {
      const connecting = pool.connect();
      try {
        return yield* wait(connecting);
      } catch (error) {
        connecting.then((client) => client.release(), () => {}); // cancelled while connecting
        throw error;
      }
    },
    close: () => pool.end(),
  };
}

run(main());
