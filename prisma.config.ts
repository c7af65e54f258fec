import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";

// Prisma 6 with driver adapters and the wasm ("js") schema engine: the only set-up that works without
// downloading engine binaries. SQLite by default; PostgreSQL when DATABASE_URL points at one.
const url = process.env.DATABASE_URL ?? "file:./prisma/dev.sqlite";
process.env.DATABASE_URL = url;
const pg = url.startsWith("postgres");
const dir = pg ? path.join("prisma", "postgres") : "prisma";

export default defineConfig({
  experimental: { adapter: true },
  schema: path.join(dir, "schema.prisma"),
  migrations: { path: path.join(dir, "migrations") },
  engine: "js",
  adapter: async () =>
    pg ? new PrismaPg({ connectionString: url, idleTimeoutMillis: 50 }) : new PrismaLibSQL({ url }),
});
