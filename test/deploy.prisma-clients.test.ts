import { Prisma } from "@prisma/client";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { isPostgres } from "./support/databases";
import { staleClients } from "../scripts/db.mjs";

// Both generated Prisma clients live in one install; the URL picks one. Errors from either must be
// the classes `@prisma/client` exports: session-storage-prisma and our own unique-violation checks
// test `instanceof Prisma.PrismaClientKnownRequestError`.

const db = createPrismaClient(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

describe(`Prisma clients (${isPostgres() ? "PostgreSQL" : "SQLite"} run)`, () => {
  it("both clients are generated from the current schema", () => {
    expect(staleClients()).toEqual([]);
  });

  it("the URL's database answers through its own client", async () => {
    const [row] = await db.$queryRawUnsafe<{ v: string }[]>(
      isPostgres() ? "SELECT version() AS v" : "SELECT sqlite_version() AS v",
    );
    expect(row.v).toMatch(isPostgres() ? /^PostgreSQL / : /^3\./);
  });

  it("a unique violation is the PrismaClientKnownRequestError that @prisma/client exports (P2002)", async () => {
    const domain = `dup-${Date.now()}.myshopify.com`;
    await db.shop.create({ data: { domain } });
    const error = await db.shop.create({ data: { domain } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");
  });
});
