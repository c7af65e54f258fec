import { createRequire } from "node:module";

// Every SQLite connection waits for the write lock instead of failing at once.
//
// @libsql/client (under Prisma's libsql adapter) hands its connection to each transaction and opens a
// NEW connection for what follows (lib-esm/sqlite3.js: `this.#db = null; // A new connection will be
// lazily created on next use`). PRAGMAs are per connection, so the `busy_timeout` the app sets once
// (prisma.server.ts) held only until the first transaction: every later connection had SQLite's
// default of 0 ms, and any statement that met another connection's write (the job worker, another
// process) failed at once with SQLITE_BUSY — which Prisma reports as P1008 "Operation has timed out".
// Seen in CI as settings saves and refund writes failing under load.
//
// libsql's Database has no option for it, so the first statement prepared or executed on each
// connection sets it. (synchronous stays SQLite's default, FULL, on every connection: checked by
// test/sqlite-connections.test.ts; journal_mode=WAL is a property of the database file.)

export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

type Conn = { prepare(sql: string): { get(): unknown }; exec(sql: string): unknown };
const CONFIGURED = Symbol.for("mpesa-checkout.sqlite.busy-timeout");
let installed = false;

export function installSqliteBusyTimeout(): void {
  if (installed) return;
  installed = true;
  const Database = createRequire(import.meta.url)("libsql") as { prototype: Conn };
  const proto = Database.prototype;
  const prepare = proto.prepare;
  const exec = proto.exec;
  const configure = (conn: Conn) => {
    const c = conn as Conn & { [CONFIGURED]?: boolean };
    if (c[CONFIGURED]) return;
    c[CONFIGURED] = true;
    prepare.call(conn, `PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).get();
  };
  proto.prepare = function (this: Conn, sql: string) {
    configure(this);
    return prepare.call(this, sql);
  };
  proto.exec = function (this: Conn, sql: string) {
    configure(this);
    return exec.call(this, sql);
  };
}
