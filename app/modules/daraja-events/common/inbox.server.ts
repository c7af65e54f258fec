import crypto from "node:crypto";
import { Prisma, type PrismaClient } from "@prisma/client";

// The store step every inbound Daraja event shares: the raw event becomes a CallbackLog row, and a
// RECEIVED row is itself the work item (inbox-queue.server.ts claims it). Acknowledging a well-formed
// event for a known token is ONE durable write: the token lookup and the insert are one statement
// (INSERT … SELECT from the token's attempt), and on SQLite the inserts of concurrent requests are
// group-committed (one transaction, one fsync, each request still answered only after its commit).
// On PostgreSQL concurrent inserts are grouped the same way (one statement, one round trip and one WAL
// flush per group), a few groups in flight at once.
//
// Tried and dropped: running the SQLite inserts on a worker thread over a second connection (libsql
// runs statements synchronously, so each fsync stalls the web thread). Acknowledgements got faster,
// but the worker's own writes then met lock errors and were retried: 50 simultaneous callbacks took
// 21–67 s to be applied instead of 3–8 s. Not re-measured since app/lib/sqlite-connections.server.ts
// gave every connection a busy timeout (most connections had none then, which may have been the whole
// cause; a deferred transaction losing its write upgrade, SQLITE_BUSY_SNAPSHOT, is the other suspect).

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
  /**
   * Whose token it is: a payment attempt's (default), a refund's or a receipt verification's (initiator
   * results, queue time-outs).
   */
  owner?: "attempt" | "refund" | "verification";
}

export interface Inbox {
  /**
   * Stores `event` as RECEIVED for the attempt (or refund) its token belongs to, in one statement; false
   * when nothing was stored (unknown token, or a production one and a source outside the allowlist):
   * the caller then looks at why, on that rarer path.
   */
  storeForAttempt(event: ReceivedEvent): Promise<boolean>;
  /**
   * The sibling for events keyed by a receiving account's C2B URL token (MpesaAccount.c2bTokenHash)
   * instead of an attempt: ONE INSERT … SELECT resolves the token and stores the row. The row is
   * RECEIVED (work) when the body's shortcode is the account's (its paybill, store or till number),
   * REJECTED with the reason otherwise; `status` names a closed row instead (validation is answered
   * at once, no work follows). Null when nothing was stored (unknown token, or a production account
   * and a source outside the allowlist).
   */
  storeForAccount(event: ReceivedEvent, opts: AccountStoreOptions): Promise<StoredForAccount | null>;
  /**
   * Stores an event already answered and closed (no work follows: e.g. a C2B validation, stored with
   * the answer it was given). On SQLite concurrent rows are group-committed like the others.
   */
  storeClosed(row: Prisma.CallbackLogUncheckedCreateInput): Promise<void>;
  /** Listeners run after every stored work item (the worker wakes instead of waiting out its poll). */
  onStored(listener: () => void): void;
}

export interface AccountStoreOptions {
  /** The body's BusinessShortCode ("" when the body could not be read). */
  shortCode: string;
  /** A closed row instead of work: e.g. PROCESSED for an event answered at once. */
  status?: string;
  /** Keep the row REJECTED with this reason whatever the shortcode (malformed, oversized). */
  rejectWith?: string;
}

export interface StoredForAccount {
  id: string;
  status: string;
  shopDomain: string;
  accountId: string;
  environment: string;
  validationEnabled: boolean;
}

export function createInbox(db: PrismaClient, dialect: Dialect, now: () => Date = () => new Date()): Inbox {
  const listeners: (() => void)[] = [];
  // SQLite has one writer: one group at a time. PostgreSQL commits concurrent statements in parallel
  // (sharing WAL flushes), so a few groups may be in flight over the pool at once.
  const lanes = dialect === "sqlite" ? 1 : 4;
  const write = groupCommitter<ReceivedEvent, boolean>(
    async (rows) => {
      const ids = await insertRows(
        db,
        dialect,
        rows.map(({ id, item }) => ({ id, event: item })),
        now(),
      );
      return new Map(rows.map((r) => [r.id, ids.has(r.id)]));
    },
    false,
    lanes,
  );
  const insertClosed = async (rows: { id: string; item: Prisma.CallbackLogUncheckedCreateInput }[]) => {
    await db.callbackLog.createMany({ data: rows.map(({ id, item }) => ({ ...item, id })) });
    return new Map(rows.map((r) => [r.id, true]));
  };
  const writeClosed = groupCommitter<Prisma.CallbackLogUncheckedCreateInput, boolean>(insertClosed, false, lanes);
  type AccountItem = { event: ReceivedEvent; opts: AccountStoreOptions };
  const writeForAccount = groupCommitter<AccountItem, StoredForAccount | null>(
    (rows) => insertForAccount(db, dialect, rows, now()),
    null,
    lanes,
  );
  return {
    async storeForAttempt(event) {
      const stored = await write(event);
      if (stored) for (const l of listeners) l();
      return stored;
    },
    async storeClosed(row) {
      await writeClosed(row);
    },
    async storeForAccount(event, opts) {
      const stored = await writeForAccount({ event, opts });
      if (stored?.status === "RECEIVED") for (const l of listeners) l();
      return stored;
    },
    onStored: (l) => void listeners.push(l),
  };
}

export const SHORTCODE_MISMATCH = "the body's BusinessShortCode is not this URL's account: not applied";

async function insertForAccount(
  db: PrismaClient,
  dialect: Dialect,
  rows: { id: string; item: { event: ReceivedEvent; opts: AccountStoreOptions } }[],
  at: Date,
): Promise<Map<string, StoredForAccount>> {
  const ts = dialect === "postgresql" ? Prisma.sql`CAST(${at} AS TIMESTAMP(3))` : Prisma.sql`${at}`;
  const selects = rows.map(({ id, item: { event: e, opts } }) => {
    const sourceRule = e.sourceAllowed ? Prisma.empty : Prisma.sql`AND m."environment" <> 'production'`;
    const same = Prisma.sql`(m."businessShortCode" = ${opts.shortCode} OR m."tillNumber" = ${opts.shortCode})`;
    const open = opts.status ?? "RECEIVED";
    const processedAt = opts.status ? ts : Prisma.sql`NULL`;
    const status = opts.rejectWith
      ? Prisma.sql`'REJECTED'`
      : Prisma.sql`CASE WHEN ${same} THEN ${open} ELSE 'REJECTED' END`;
    const error = opts.rejectWith
      ? Prisma.sql`${opts.rejectWith}`
      : Prisma.sql`CASE WHEN ${same} THEN NULL ELSE ${SHORTCODE_MISMATCH} END`;
    const closedAt = opts.rejectWith ? ts : Prisma.sql`CASE WHEN ${same} THEN ${processedAt} ELSE ${ts} END`;
    return Prisma.sql`SELECT ${id}, ${e.kind}, ${e.path}, ${e.tokenHash}, ${e.sourceIp}, ${JSON.stringify(e.headers)}, ${e.body},
      ${status}, ${error}, m."id", m."shopDomain", ${ts}, ${ts}, ${closedAt}
      FROM "MpesaAccount" m WHERE m."c2bTokenHash" = ${e.tokenHash} AND m."purpose" = 'RECEIVE' ${sourceRule}`;
  });
  const inserted = await db.$queryRaw<
    { id: string; status: string; shopDomain: string; accountId: string; environment: string; validation: unknown }[]
  >`
    INSERT INTO "CallbackLog" ("id", "kind", "path", "tokenHash", "sourceIp", "headers", "body", "status", "error", "accountId", "shopDomain", "receivedAt", "runAt", "processedAt")
    ${Prisma.join(selects, " UNION ALL ")}
    RETURNING "id", "status", "shopDomain", "accountId",
      (SELECT m2."environment" FROM "MpesaAccount" m2 WHERE m2."id" = "accountId") AS "environment",
      (SELECT m2."c2bValidationEnabled" FROM "MpesaAccount" m2 WHERE m2."id" = "accountId") AS "validation"`;
  return new Map(
    inserted.map((r) => [
      r.id,
      {
        id: r.id,
        status: r.status,
        shopDomain: r.shopDomain,
        accountId: r.accountId,
        environment: r.environment,
        validationEnabled: r.validation === true || r.validation === 1 || r.validation === 1n,
      },
    ]),
  );
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
      // A refund's environment is its shop's disbursement account's, else its default M-PESA account's
      // (refunds go out through one of them: refunds/refund-account.server.ts); neither counts as production.
      const sourceRule = e.sourceAllowed
        ? Prisma.empty
        : Prisma.sql`AND COALESCE((SELECT d."environment" FROM "MpesaAccount" d WHERE d."shopDomain" = r."shopDomain" AND d."purpose" = 'DISBURSE' LIMIT 1), s."environment", 'production') <> 'production'`;
      return Prisma.sql`SELECT ${fields}, NULL, r."id", r."shopDomain", ${ts}, ${ts}
        FROM "MpesaRefund" r LEFT JOIN "MpesaAccount" s ON s."defaultForShop" = r."shopDomain"
        WHERE r."callbackTokenHash" = ${e.tokenHash} ${sourceRule}`;
    }
    if (e.owner === "verification") {
      // A verification's environment is its receiving account's (the shortcode it asked about).
      const sourceRule = e.sourceAllowed
        ? Prisma.empty
        : Prisma.sql`AND COALESCE(s."environment", 'production') <> 'production'`;
      return Prisma.sql`SELECT ${fields}, NULL, NULL, v."shopDomain", ${ts}, ${ts}
        FROM "ReceiptVerification" v LEFT JOIN "MpesaAccount" s ON s."id" = v."accountId"
        WHERE v."callbackTokenHash" = ${e.tokenHash} ${sourceRule}`;
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
 * A commit costs a sync to disk (SQLite synchronous=FULL; PostgreSQL's WAL flush) and a round trip.
 * Concurrent acknowledgements therefore queue: while a statement commits, the next requests gather and
 * go in the next statement together (one multi-row INSERT, one commit, one sync). Nobody waits for a
 * timer — a lone request commits at once — and every request resolves only after its row has
 * committed. `insertBatch` stores the rows in one statement and answers per row id; `miss` is the
 * answer for a row it did not store; `lanes` is how many statements may be in flight at once.
 */
function groupCommitter<I, O>(
  insertBatch: (rows: { id: string; item: I }[]) => Promise<Map<string, O>>,
  miss: O,
  lanes: number,
  maxBatch = 64,
) {
  type Waiter = { id: string; item: I; resolve: (out: O) => void; reject: (e: unknown) => void };
  let queue: Waiter[] = [];
  let busy = 0;
  const answer = (w: Waiter, got: Map<string, O>) => w.resolve(got.has(w.id) ? got.get(w.id)! : miss);

  async function lane() {
    busy++;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(maxBatch);
        try {
          const got = await insertBatch(batch);
          for (const w of batch) answer(w, got);
        } catch (error) {
          // One bad row must not fail its neighbours: retry them one by one (each its own commit).
          if (batch.length === 1) batch[0].reject(error);
          else for (const w of batch) await insertBatch([w]).then((got) => answer(w, got), w.reject);
        }
      }
    } finally {
      busy--;
    }
  }

  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ id: newId(), item, resolve, reject });
      if (busy < lanes) void lane();
    });
}
