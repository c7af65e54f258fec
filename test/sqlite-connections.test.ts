import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/lib/prisma.server";
import { SQLITE_BUSY_TIMEOUT_MS } from "../app/lib/sqlite-connections.server";

// app/lib/sqlite-connections.server.ts: the SQLite driver opens a new connection after every
// transaction; each must wait for another writer's lock instead of failing at once (P1008). A scratch
// SQLite file of its own, so this runs in the PostgreSQL run of the suite too.

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-conn-")), "t.sqlite");
const db = createPrismaClient(`file:${file}`);
const libsqlPath = createRequire(import.meta.url).resolve("libsql");
afterAll(async () => {
  await db.$disconnect();
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

const pragma = async (name: string) =>
  Number(Object.values((await db.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`))[0])[0]);

describe("SQLite connections", () => {
  it("keep the busy timeout and synchronous=FULL after transactions hand their connection away", async () => {
    await db.$executeRawUnsafe("CREATE TABLE IF NOT EXISTS t (n INTEGER)");
    for (let i = 0; i < 3; i++) {
      await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("INSERT INTO t (n) VALUES (1)");
      });
      expect(await pragma("busy_timeout")).toBe(SQLITE_BUSY_TIMEOUT_MS);
      expect(await pragma("synchronous")).toBe(2); // FULL
    }
  });

  it("a write after a transaction waits for another process's lock, then succeeds", async () => {
    await db.$executeRawUnsafe("CREATE TABLE IF NOT EXISTS w (n INTEGER)");
    await db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("INSERT INTO w (n) VALUES (0)");
    });
    // Another process takes the write lock and keeps it for 500 ms (as the job worker or a second
    // instance would while committing).
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const D = require(${JSON.stringify(libsqlPath)}); const db = new D(${JSON.stringify(file)});
         db.exec("BEGIN IMMEDIATE"); db.exec("INSERT INTO w (n) VALUES (1)"); console.log("locked");
         setTimeout(() => { db.exec("COMMIT"); db.close(); }, 500);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
    await db.$executeRawUnsafe("INSERT INTO w (n) VALUES (2)"); // without the busy timeout: P1008 at once
    await new Promise((resolve) => holder.once("exit", resolve));
    expect(Number((await db.$queryRawUnsafe<{ c: bigint }[]>("SELECT COUNT(*) AS c FROM w"))[0].c)).toBe(3);
  });
});
