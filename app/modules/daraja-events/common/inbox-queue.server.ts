import crypto from "node:crypto";
import { Prisma, type CallbackLog, type PrismaClient } from "@prisma/client";
import { logger } from "../../../lib/logger.server";
import { CRASHED_TOO_OFTEN, type ClaimOptions, type WorkItem, type WorkSource } from "../../jobs/work-source";
import type { Dialect } from "./inbox.server";

// Stored inbound events as a work source for the job runner: RECEIVED rows are the queue. Retry
// state lives on the row (claims, runAt, lock); a row that fails after its retries, or that was
// claimed CALLBACK_MAX_ATTEMPTS times without finishing (it crashed its worker), is DEAD: visible on
// the row, logged as an alert, never claimed again.

export interface InboxSourceOptions {
  dialect: Dialect;
  /** CallbackLog.kind -> the job type (name) whose handler applies that kind of event. */
  jobTypes: Record<string, string>;
  maxClaims: number;
}

export const workPayload = (row: Pick<CallbackLog, "id">) => ({ callbackLogId: row.id });

export function inboxSource(db: PrismaClient, opts: InboxSourceOptions): WorkSource {
  const kinds = Object.keys(opts.jobTypes);
  const asItem = (row: CallbackLog): WorkItem => ({
    id: row.id,
    type: opts.jobTypes[row.kind],
    payload: workPayload(row),
    attempts: row.claims,
    maxAttempts: opts.maxClaims,
    lockedBy: row.lockedBy,
  });
  const mine = (item: WorkItem) => ({ id: item.id, lockedBy: item.lockedBy });

  let lastBurial = 0;
  return {
    name: "inbound-events",
    // This process stored a callback, or any instance committed one (PostgreSQL NOTIFY).
    wakesOn: ["stored", "notify:CallbackLog"],
    async claim(c: ClaimOptions) {
      // Crashed rows are rare and wait for an expired lock anyway: look for them every few seconds, not on every pass.
      if (c.now.getTime() - lastBurial >= Math.min(c.lockMs, 5_000)) {
        lastBurial = c.now.getTime();
        await buryCrashed(db, kinds, opts.maxClaims, c.now);
      }
      const lockedBy = `${c.workerId}:${crypto.randomUUID()}`;
      const ids = await claimBatch(db, opts, kinds, lockedBy, c);
      if (ids.length === 0) return [];
      const rows = await db.callbackLog.findMany({ where: { id: { in: ids }, lockedBy }, orderBy: { runAt: "asc" } });
      return rows.map(asItem);
    },
    async complete(item, now) {
      // The apply step settles the row (PROCESSED / IGNORED); one it left RECEIVED must not loop.
      // One statement: release the lock and close a row the apply step left open.
      await db.$executeRaw`
        UPDATE "CallbackLog" SET "lockedBy" = NULL, "lockedUntil" = NULL,
          "status" = CASE WHEN "status" = 'RECEIVED' THEN 'PROCESSED' ELSE "status" END,
          "processedAt" = COALESCE("processedAt", ${now})
        WHERE "id" = ${item.id} AND "lockedBy" = ${item.lockedBy}`;
    },
    async extendLock(item, until) {
      await db.callbackLog.updateMany({ where: { ...mine(item), status: "RECEIVED" }, data: { lockedUntil: until } });
    },
    async reschedule(item, runAt, error) {
      await db.callbackLog.updateMany({
        where: mine(item),
        data: { runAt, lockedBy: null, lockedUntil: null, error: error.slice(0, 2000) },
      });
    },
    async bury(item, error, now) {
      await db.callbackLog.updateMany({
        where: mine(item),
        data: { status: "DEAD", processedAt: now, lockedBy: null, lockedUntil: null, error: error.slice(0, 2000) },
      });
    },
  };
}

/**
 * Due rows: RECEIVED, runAt reached, not locked (or the lock expired), claims left. One statement
 * claims the batch: on PostgreSQL the sub-select skips rows other workers hold (FOR UPDATE SKIP
 * LOCKED), so instances never queue behind each other; SQLite has one writer, so the statement is
 * atomic as it stands.
 */
async function claimBatch(
  db: PrismaClient,
  opts: InboxSourceOptions,
  kinds: string[],
  lockedBy: string,
  c: ClaimOptions,
) {
  const types = new Set(c.types);
  const claimable = kinds.filter((k) => types.has(opts.jobTypes[k]));
  if (claimable.length === 0) return [];
  const until = new Date(c.now.getTime() + c.lockMs);
  const due = Prisma.sql`"status" = 'RECEIVED' AND "kind" IN (${Prisma.join(claimable)}) AND "runAt" <= ${c.now}
    AND ("lockedUntil" IS NULL OR "lockedUntil" < ${c.now}) AND "claims" < ${opts.maxClaims}`;
  let candidates: Prisma.Sql;
  if (opts.dialect === "postgresql") {
    candidates = Prisma.sql`SELECT "id" FROM "CallbackLog" WHERE ${due} ORDER BY "runAt" LIMIT ${c.limit} FOR UPDATE SKIP LOCKED`;
  } else {
    // SQLite: an UPDATE takes the database's write lock even when it matches nothing, so look first
    // (a read, beside any writer) and write only when there is work; the UPDATE re-checks `due`.
    const ids = await db.$queryRaw<
      { id: string }[]
    >`SELECT "id" FROM "CallbackLog" WHERE ${due} ORDER BY "runAt" LIMIT ${c.limit}`;
    if (ids.length === 0) return [];
    candidates = Prisma.sql`SELECT "id" FROM "CallbackLog" WHERE "id" IN (${Prisma.join(ids.map((r) => r.id))}) AND ${due}`;
  }
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "CallbackLog" SET "lockedBy" = ${lockedBy}, "lockedUntil" = ${until}, "claims" = "claims" + 1
    WHERE "id" IN (${candidates})
    RETURNING "id"`;
  return rows.map((r) => r.id);
}

async function buryCrashed(db: PrismaClient, kinds: string[], maxClaims: number, now: Date) {
  const where: Prisma.CallbackLogWhereInput = {
    status: "RECEIVED",
    kind: { in: kinds },
    claims: { gte: maxClaims },
    lockedUntil: { lt: now },
  };
  const crashed = await db.callbackLog.findMany({
    where,
    select: { id: true, kind: true, attemptId: true, claims: true },
    take: 100,
  });
  if (crashed.length === 0) return;
  await db.callbackLog.updateMany({
    where: { AND: [where, { id: { in: crashed.map((r) => r.id) } }] },
    data: { status: "DEAD", processedAt: now, lockedBy: null, lockedUntil: null, error: CRASHED_TOO_OFTEN },
  });
  for (const r of crashed) {
    logger.error(
      { alert: "callback_dead", callbackLogId: r.id, kind: r.kind, attemptId: r.attemptId, claims: r.claims },
      `callback dead: ${CRASHED_TOO_OFTEN}`,
    );
  }
}
