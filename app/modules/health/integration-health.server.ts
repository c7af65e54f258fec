import type { PrismaClient } from "@prisma/client";
import { formatEat } from "../payments/dashboard/format";
import { countUnmatched } from "../c2b/queue.server";
import type { SetupProblem } from "../daraja/classify";
import { openReviewCount } from "../refunds/review.server";
import { SETUP_PROBLEM_TEXT, verdictOf, type AttemptHealthFacts } from "./setup-failures";

// The health of a shop's integration, for the home page: what is wrong or waits for the merchant,
// each with what to do and a link to where it is done. Read from the app's own tables only, with a
// handful of small indexed queries (PaymentAttempt by (shopDomain, createdAt), CallbackLog by
// attemptId, counts on indexed columns): no Daraja or Shopify call.

export type HealthBanner = {
  id: "setup-failure" | "callbacks-stopped" | "callbacks-refused" | "reviews" | "unmatched" | "refunds" | "statement";
  tone: "critical" | "warning";
  title: string;
  body: string;
  action: { content: string; url: string };
};

export type HealthDb = Pick<
  PrismaClient,
  "paymentAttempt" | "callbackLog" | "c2bPayment" | "mpesaRefund" | "statementImport"
>;

export type HealthOptions = {
  now?: Date;
  /** How far back attempts are looked at. */
  lookbackHours?: number;
  /** Accepted pushes in a row with no callback before "callbacks stopped" is said. */
  missingCallbacksInARow?: number;
};

const RECENT_ATTEMPTS = 20;

export async function integrationHealth(db: HealthDb, shop: string, opts: HealthOptions = {}): Promise<HealthBanner[]> {
  const now = opts.now ?? new Date();
  const since = new Date(now.getTime() - (opts.lookbackHours ?? 7 * 24) * 3_600_000);
  const [attempts, reviews, unmatched, refunds, lastImport] = await Promise.all([
    db.paymentAttempt.findMany({
      where: { shopDomain: shop, createdAt: { gte: since } },
      orderBy: { createdAt: "desc" },
      take: RECENT_ATTEMPTS,
      select: {
        id: true,
        status: true,
        resultCode: true,
        resultDesc: true,
        failureStage: true,
        checkoutRequestId: true,
        createdAt: true,
      },
    }),
    openReviewCount(db, shop), // NEEDS_REVIEW attempts nobody has resolved yet
    countUnmatched(db as PrismaClient, shop),
    db.mpesaRefund.findMany({
      where: { shopDomain: shop, state: "PENDING_APPROVAL" },
      orderBy: { createdAt: "asc" },
      take: 2, // enough to tell one from several; the count is below
      select: { receipt: true },
    }),
    db.statementImport.findFirst({
      where: { shopDomain: shop },
      orderBy: { createdAt: "desc" },
      select: { status: true, fileName: true, problems: true, createdAt: true },
    }),
  ]);

  const banners: HealthBanner[] = [];
  const setup = setupFailure(attempts);
  if (setup) banners.push(setup);
  const callbacks = await callbackHealth(db, attempts, opts.missingCallbacksInARow ?? 3);
  if (callbacks) banners.push(callbacks);
  if (reviews > 0)
    banners.push({
      id: "reviews",
      tone: "critical",
      title: reviews === 1 ? "1 payment needs review" : `${reviews} payments need review`,
      body: "M-PESA money arrived in a way the app could not settle by itself (for example a second payment or a short amount). Open each one and choose what to do with the money.",
      action: { content: "Review payments", url: "/app/payments?status=needs_review" },
    });
  if (unmatched > 0)
    banners.push({
      id: "unmatched",
      tone: "warning",
      title:
        unmatched === 1 ? "1 paybill payment waits to be matched" : `${unmatched} paybill payments wait to be matched`,
      body: "Customers paid your paybill or till with an account number no order could be found for. Match each payment to its order, or refund it.",
      action: { content: "Match payments", url: "/app/payments/unmatched" },
    });
  if (refunds.length > 0)
    banners.push(
      await refundsBanner(
        db,
        shop,
        refunds.map((r) => r.receipt),
      ),
    );

  if (lastImport?.status === "REFUSED")
    banners.push({
      id: "statement",
      tone: "warning",
      title: "Your last M-PESA statement could not be imported",
      body: `${lastImport.fileName} (${formatEat(lastImport.createdAt)}) was refused: ${firstProblem(lastImport.problems)} Export the statement again from the M-PESA Org Portal and import it.`,
      action: { content: "Import a statement", url: "/app/reconciliation/import" },
    });
  return banners;
}

type RecentAttempt = AttemptHealthFacts & { id: string; createdAt: Date };

/**
 * The newest attempt that says anything about the set-up decides: a push Daraja accepted since the last
 * set-up failure means it is fixed (the banner goes away by itself with the next good payment).
 */
function setupFailure(attempts: RecentAttempt[]): HealthBanner | null {
  let problem: SetupProblem | null = null;
  let count = 0;
  let latest: Date | null = null;
  for (const a of attempts) {
    const v = verdictOf(a);
    if (v.kind === "accepted") break;
    if (v.kind !== "setup") continue;
    if (problem === null) {
      problem = v.problem;
      latest = a.createdAt;
    }
    if (v.problem === problem) count++;
  }
  if (!problem || !latest) return null;
  const text = SETUP_PROBLEM_TEXT[problem];
  const seen = count === 1 ? "The last payment" : `The last ${count} payments`;
  return {
    id: "setup-failure",
    tone: "critical",
    title: text.title,
    body: `${seen} failed before reaching the customer's phone or were refused by M-PESA (latest ${formatEat(latest)}), so customers cannot pay with M-PESA. ${text.fix}`,
    action: { content: "Fix it in Settings", url: "/app/settings" },
  };
}

/**
 * Accepted pushes whose result never reached the app while earlier ones did: the callback address
 * Daraja was given no longer leads here (a deploy, a new domain, a proxy). Only finished attempts
 * count (a pending one may still be called back); they were settled by asking Daraja instead.
 */
async function callbackHealth(db: HealthDb, attempts: RecentAttempt[], inARow: number): Promise<HealthBanner | null> {
  const finished = attempts.filter((a) => a.checkoutRequestId && a.status !== "PENDING");
  if (finished.length < inARow) return null;
  const rows = await db.callbackLog.findMany({
    where: { attemptId: { in: finished.map((a) => a.id) }, kind: "STK" },
    select: { attemptId: true, status: true, error: true, sourceIp: true, receivedAt: true },
  });
  const byAttempt = new Map<string, typeof rows>();
  for (const r of rows) byAttempt.set(r.attemptId!, [...(byAttempt.get(r.attemptId!) ?? []), r]);
  const refusedBySource = (r: (typeof rows)[number]) =>
    r.status === "REJECTED" && /not an allowed daraja callback address/i.test(r.error ?? "");

  let missing = 0;
  let refused = 0;
  let refusedFrom: string | null = null;
  let lastArrived: Date | null = null;
  for (const a of finished) {
    const got = byAttempt.get(a.id) ?? [];
    if (got.length === 0) missing++;
    else if (got.every(refusedBySource)) {
      refused++;
      refusedFrom ??= got[0].sourceIp;
    } else {
      lastArrived = got.reduce((t, r) => (r.receivedAt > t ? r.receivedAt : t), got[0].receivedAt);
      break;
    }
  }
  if (refused >= inARow && missing === 0) {
    return {
      id: "callbacks-refused",
      tone: "critical",
      title: "Payment results reach the app but are refused",
      body: `Daraja's results for the last ${refused} payments came from ${refusedFrom ?? "an unknown address"}, which is not an allowed Daraja address, so the app did not act on them and confirmed the payments by asking Daraja instead. Behind a reverse proxy, set TRUSTED_PROXIES to the proxy's address; otherwise check CALLBACK_IP_ALLOWLIST.`,
      action: { content: "See recent payments", url: "/app/payments" },
    };
  }
  if (missing + refused < inARow) return null;
  const since = lastArrived
    ? `The last result arrived ${formatEat(lastArrived)}; since then the app confirmed every payment by asking Daraja, which is slower and gives up after a few tries.`
    : "The app confirmed each one by asking Daraja, which is slower and gives up after a few tries.";
  return {
    id: "callbacks-stopped",
    tone: "critical",
    title: "Payment results stopped reaching the app",
    body: `Daraja accepted the last ${missing + refused} payment prompts but sent none of their results here. ${since} The usual cause is a callback address that no longer leads to this app — after a deploy, a new domain or a proxy change: check that CALLBACK_BASE_URL (or SHOPIFY_APP_URL) is this app's current public HTTPS address, then restart the app.`,
    action: { content: "Check the callback address", url: "/app/settings" },
  };
}

async function refundsBanner(db: HealthDb, shop: string, firstTwo: string[]): Promise<HealthBanner> {
  const n =
    firstTwo.length === 1 ? 1 : await db.mpesaRefund.count({ where: { shopDomain: shop, state: "PENDING_APPROVAL" } });
  // One pending refund: straight to its payment (the approve button is on the payment's page).
  const attempt =
    n === 1
      ? await db.paymentAttempt.findFirst({
          where: { shopDomain: shop, mpesaReceipt: firstTwo[0] },
          select: { id: true },
        })
      : null;
  // A paybill/till payment's refund: its own page has the approve button.
  const c2b =
    n === 1 && !attempt
      ? await db.c2bPayment.findFirst({ where: { shopDomain: shop, receipt: firstTwo[0] }, select: { id: true } })
      : null;
  return {
    id: "refunds",
    tone: "warning",
    title: n === 1 ? "1 M-PESA refund waits for your approval" : `${n} M-PESA refunds wait for your approval`,
    body: "A refund made in Shopify moves no money by itself: the customer is paid back only when you approve the M-PESA refund (or mark it paid outside the app).",
    action: attempt
      ? { content: "Approve the refund", url: `/app/payments/${attempt.id}` }
      : c2b
        ? { content: "Approve the refund", url: `/app/payments/c2b/${c2b.id}` }
        : { content: "See payments", url: "/app/payments" },
  };
}

function firstProblem(problems: string | null): string {
  try {
    const list = JSON.parse(problems ?? "[]") as { message?: string }[];
    const msg = list[0]?.message;
    return msg ? (/[.!?]$/.test(msg) ? msg : `${msg}.`) : "the file was not a statement the app could read.";
  } catch {
    return "the file was not a statement the app could read.";
  }
}
