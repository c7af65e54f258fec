import { PrismaClient } from "@prisma/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "./lib/env.server";

export function createPrismaClient(url: string = env().DATABASE_URL): PrismaClient {
  if (url.startsWith("postgres")) return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  const client = new PrismaClient({ adapter: new PrismaLibSQL({ url }) });
  // SQLite is shared by the web process, its job worker and (in tests) other processes: WAL lets readers
  // run beside the writer, and busy_timeout makes a writer wait for the lock instead of failing with
  // SQLITE_BUSY. The statements are queued ahead of any query on the adapter's connection.
  void client.$queryRawUnsafe("PRAGMA journal_mode = WAL").catch(() => {});
  void client.$queryRawUnsafe("PRAGMA busy_timeout = 10000").catch(() => {});
  return client;
}

declare global {
  // eslint-disable-next-line no-var
  var __prisma: PrismaClient | undefined;
}

// One client per process (cached on global so Vite's dev reloads don't open new pools).
const prisma: PrismaClient = globalThis.__prisma ?? createPrismaClient();
if (env().NODE_ENV !== "production") globalThis.__prisma = prisma;

export default prisma;
