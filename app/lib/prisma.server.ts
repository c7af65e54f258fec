import { createRequire } from "node:module";
import { PrismaClient } from "@prisma/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import { installSqliteBusyTimeout } from "./sqlite-connections.server";

// One build, either database. `npm ci` generates two Prisma clients (scripts/db.mjs generate): the
// SQLite one where `@prisma/client` looks (node_modules/.prisma/client) and the PostgreSQL one beside
// it (node_modules/.prisma/client-postgresql). The URL picks one at start.
//
// The app is typed against the SQLite client. The models are identical (the PostgreSQL schema is
// generated from the SQLite one); PostgreSQL's types only add options shared code must not use
// anyway (e.g. `mode: "insensitive"`, `skipDuplicates`), so one type serves both.
export type Db = PrismaClient;
type ClientClass = typeof PrismaClient;

export function isPostgresUrl(url: string) {
  return url.startsWith("postgres");
}

export interface ClientOptions {
  /** PostgreSQL pool size per process (pg's default is 10). */
  poolMax?: number;
}

let pgClass: ClientClass | undefined;
/** Loaded only when PostgreSQL is used; a plain require so the bundler leaves it to Node. */
function postgresClientClass(): ClientClass {
  if (!pgClass) {
    const require = createRequire(import.meta.url);
    try {
      pgClass = (require(".prisma/client-postgresql") as { PrismaClient: ClientClass }).PrismaClient;
    } catch (error) {
      throw new Error(
        `The PostgreSQL Prisma client is missing (${(error as Error).message.split("\n")[0]}). ` +
          "It is generated at install; run `npm run db:generate`.",
      );
    }
  }
  return pgClass;
}

export function createPrismaClient(url: string, options: ClientOptions = {}): Db {
  if (isPostgresUrl(url)) {
    const PgClient = postgresClientClass();
    return new PgClient({ adapter: new PrismaPg({ connectionString: url, max: options.poolMax }) });
  }
  installSqliteBusyTimeout(); // on every connection the driver opens, not only the first
  const client = new PrismaClient({ adapter: new PrismaLibSQL({ url }) });
  // SQLite is shared by the web process, its job worker and (in tests) other processes: WAL lets readers
  // run beside the writer, and busy_timeout makes a writer wait for the lock instead of failing with
  // SQLITE_BUSY. The statements are queued ahead of any query on the adapter's connection.
  void client.$queryRawUnsafe("PRAGMA journal_mode = WAL").catch(() => {});
  void client.$queryRawUnsafe("PRAGMA busy_timeout = 10000").catch(() => {});
  // Every commit synced to disk (SQLite's default, stated): an acknowledged callback survives a power
  // cut, not only kill -9. Group commit (daraja-events/common/inbox.server.ts) keeps this affordable.
  void client.$queryRawUnsafe("PRAGMA synchronous = FULL").catch(() => {});
  return client;
}
