import crypto from "node:crypto";
import { Prisma, type PrismaClient } from "@prisma/client";

// The store step every inbound Daraja event shares: the raw event becomes a CallbackLog row, and a
// RECEIVED row is itself the work item (inbox-queue.server.ts claims it). Acknowledging a well-formed
// event for a known token is ONE durable write: the token lookup and the insert are one statement
// (INSERT … SELECT from the token's attempt), and on SQLite the inserts of concurrent requests are
// group-committed (one transaction, one fsync, each request still answered only after its commit).

export type Dialect = "sqlite" | "postgresql";
export const dialectOf = (databaseUrl: string): Dialect =>
  databaseUrl.startsWith("postgres") ? "postgresql" : "sqlite";

export interface ReceivedEvent {
  kind: string; // "STK" | "C2B_VALIDATION" | … (CallbackLog.kind)
  path: string; // the route pattern, never the token itself
  tokenHash: string;
  sourceIp: string | null;
  headers: Record<string, string>;
  body: string;
  /** The source address passed the Daraja allowlist; if not, only non-production attempts accept it. */
  sourceAllowed: boolean;
  /** Whose token it is: a payment attempt's (default) or a refund's (initiator results, queue time-outs). */
  owner?: "attempt" | "refund";
}

export interface Inbox {
  /**
   * Stores `event` as RECEIVED for the attempt (or refund) its token belongs to, in one statement; false
   * when nothing was stored (unknown token, or a production one and a source outside the allowlist):
   * the caller then looks at why, on that rarer path.
   */
  storeForAttempt(event: ReceivedEvent): Promise<boolean>;
  /** Listeners run after every stored work item (the worker wakes instead of waiting out its poll). */
  onStored(listener: () => void): void;
}

export function createInbox(db: PrismaClient, dialect: Dialect, now: () => Date = () => new Date()): Inbox {
  const listeners: (() => void)[] = [];
  const insertOne = async (e: ReceivedEvent) =>
    (await insertRows(db, dialect, [{ id: newId(), event: e }], now())).size === 1;
  const write = dialect === "sqlite" ? groupCommitter(db, dialect, now) : insertOne;
  return {
    async storeForAttempt(event) {
      const stored = await write(event);
      if (stored) for (const l of listeners) l();
      return stored;
    },
    onStored: (l) => void listeners.push(l),
  };
}

type Row = { id: string; event: ReceivedEvent };

/**
 * One INSERT … SELECT for any number of events: each SELECT reads the attempt its token belongs to
 * (nothing for an unknown token, or for a production attempt when the source is not allowed), so the
 * lookup and the insert are one statement and one commit. Returns the ids inserted.
 */
async function insertRows(db: PrismaClient, dialect: Dialect, rows: Row[], at: Date): Promise<Set<string>> {
  // PostgreSQL types SELECT-list parameters as text: say which are timestamps. SQLite stores Prisma's
  // ISO text either way (the same form Prisma writes, so comparisons stay consistent).
  const ts = dialect === "postgresql" ? Prisma.sql`CAST(${at} AS TIMESTAMP(3))` : Prisma.sql`${at}`;
  const selects = rows.map(({ id, event: e }) => {
    const fields = Prisma.sql`${id}, ${e.kind}, ${e.path}, ${e.tokenHash}, ${e.sourceIp}, ${JSON.stringify(e.headers)}, ${e.body}, 'RECEIVED'`;
    if (e.owner === "refund") {
      // A refund's environment is its shop's (a shop without settings counts as production).
      const sourceRule = e.sourceAllowed
        ? Prisma.empty
        : Prisma.sql`AND COALESCE(s."environment", 'production') <> 'production'`;
      return Prisma.sql`SELECT ${fields}, NULL, r."id", r."shopDomain", ${ts}, ${ts}
        FROM "MpesaRefund" r LEFT JOIN "ShopSettings" s ON s."shopDomain" = r."shopDomain"
        WHERE r."callbackTokenHash" = ${e.tokenHash} ${sourceRule}`;
    }
    const sourceRule = e.sourceAllowed ? Prisma.empty : Prisma.sql`AND a."environment" <> 'production'`;
    return Prisma.sql`SELECT ${fields}, a."id", NULL, a."shopDomain", ${ts}, ${ts}
      FROM "PaymentAttempt" a WHERE a."callbackTokenHash" = ${e.tokenHash} ${sourceRule}`;
  });
  const inserted = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "CallbackLog" ("id", "kind", "path", "tokenHash", "sourceIp", "headers", "body", "status", "attemptId", "refundId", "shopDomain", "receivedAt", "runAt")
    ${Prisma.join(selects, " UNION ALL ")}
    RETURNING "id"`;
  return new Set(inserted.map((r) => r.id));
}

/** Row ids for raw inserts: random, URL-safe, the same length class as Prisma's cuid(). */
const newId = () => `ev${crypto.randomBytes(15).toString("base64url")}`;

/**
 * SQLite commits one writer at a time and (synchronous=FULL) syncs every commit. Concurrent
 * acknowledgements therefore queue: while one statement commits, the next requests gather and go in
 * the next statement together (one multi-row INSERT, one commit, one fsync). Nobody waits for a timer
 * — a lone request commits at once — and every request resolves only after its row has committed.
 */
function groupCommitter(db: PrismaClient, dialect: Dialect, now: () => Date, maxBatch = 64) {
  type Waiter = Row & { resolve: (stored: boolean) => void; reject: (e: unknown) => void };
  let queue: Waiter[] = [];
  let flushing = false;

  async function flush() {
    flushing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      try {
        const inserted = await insertRows(db, dialect, batch, now());
        for (const w of batch) w.resolve(inserted.has(w.id));
      } catch (error) {
        // One bad row must not fail its neighbours: retry them one by one (each its own commit).
        if (batch.length === 1) batch[0].reject(error);
        else
          for (const w of batch)
            await insertRows(db, dialect, [w], now()).then((ids) => w.resolve(ids.has(w.id)), w.reject);
      }
    }
    flushing = false;
  }

  return (event: ReceivedEvent) =>
    new Promise<boolean>((resolve, reject) => {
      queue.push({ id: newId(), event, resolve, reject });
      if (!flushing) void flush();
    });
}
