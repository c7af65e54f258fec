import { env } from "./lib/env.server";
import { createPrismaClient as createClient, type Db } from "./lib/prisma.server";

export type { Db } from "./lib/prisma.server";

/** A client for `url` (default DATABASE_URL), with the configured pool size. */
export function createPrismaClient(url: string = env().DATABASE_URL): Db {
  return createClient(url, { poolMax: env().DATABASE_POOL_MAX });
}

declare global {
  var __prisma: Db | undefined;
}

// One client per process (cached on global so Vite's dev reloads don't open new pools).
const prisma: Db = globalThis.__prisma ?? createPrismaClient();
if (env().NODE_ENV !== "production") globalThis.__prisma = prisma;

export default prisma;
