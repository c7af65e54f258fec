import { PrismaClient } from "@prisma/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "./lib/env.server";

export function createPrismaClient(url: string = env().DATABASE_URL): PrismaClient {
  const adapter = url.startsWith("postgres") ? new PrismaPg({ connectionString: url }) : new PrismaLibSQL({ url });
  return new PrismaClient({ adapter });
}

declare global {
  // eslint-disable-next-line no-var
  var __prisma: PrismaClient | undefined;
}

// One client per process (cached on global so Vite's dev reloads don't open new pools).
const prisma: PrismaClient = globalThis.__prisma ?? createPrismaClient();
if (env().NODE_ENV !== "production") globalThis.__prisma = prisma;

export default prisma;
