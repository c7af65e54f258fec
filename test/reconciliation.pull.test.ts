import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "../app/lib/env.server";
import { action, loader } from "../app/routes/app.settings";
import { getPage, postForm } from "./settings.helpers";
import { announceOrder } from "./support/c2b";
import {
  createOrder,
  eventually,
  pay,
  SHOP,
  shopifyPayments,
  startHarness,
  type Harness,
} from "./support/payments-harness";

// Pull Transactions (issue 12, part 2) through the real routes: the settings page registers the account
// (nominated number) and asks for a pull; the built app's worker runs it against the emulator, which
// serves its own STK and C2B transactions in pages of 2 with the answer forms seen in the field. A payment
// whose callback never came ends paid (receipt pending) and gets its receipt attached by the pull, once.

let h: Harness;
const args = (request: Request) => ({ request, params: {}, context: {} });
const settings = async (fields: Record<string, string>) => {
  const res = (await action(args(await postForm("/app/settings", fields, SHOP)))) as Response;
  return { status: res.status, body: (await res.json()) as any };
};
const page = async () =>
  ((await loader(args(await getPage("/app/settings", SHOP)))) as Response).json() as Promise<any>;

let accountId: string;
beforeAll(async () => {
  h = await startHarness({
    emulator: { pullPageSize: 2 },
    appEnv: {
      // Long enough for the STK Push answer to be stored on a loaded machine (recovery of an attempt without
      // its CheckoutRequestID ends it TIMED_OUT).
      PENDING_RECOVERY_AFTER_SECONDS: "4",
      PENDING_RECOVERY_INTERVAL_SECONDS: "1",
      PENDING_RECOVERY_MAX_QUERIES: "5",
      PULL_PAGE_SIZE: "2",
    },
  });
  // The settings route runs in this process: it talks to the same emulator.
  process.env.DARAJA_SANDBOX_BASE_URL = h.emulator.url;
  resetEnvForTests();
  accountId = (await h.db.mpesaAccount.findFirstOrThrow({ where: { shopDomain: SHOP } })).id;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const attempt = (id: string) => h.db.paymentAttempt.findUniqueOrThrow({ where: { id } });
const meta = (orderGid: string, key: string) =>
  h.standin.getOrder(orderGid)?.metafields.find((m) => m.key === key)?.value ?? null;
const pullQueries = () => h.emulator.requests({ path: "/pulltransactions/v1/query" });
/** Registered for Pull through the settings page (tests run shuffled; the emulator may have been reset). */
async function ensureRegistered() {
  const res = await settings({ intent: "register-pull", accountId, nominatedNumber: "0722000000" });
  expect(res.body.reconciliation).toMatchObject({ ok: true });
}
/** Asks for a pull from the settings page and waits for the run it starts. */
async function pullNow() {
  await ensureRegistered();
  // Windows are per minute: a run of this minute is reused, so clear earlier ones.
  await h.db.pullRun.deleteMany({ where: { accountId } });
  await h.db.job.deleteMany({ where: { type: "pull-transactions" } });
  const res = await settings({ intent: "pull-now", accountId });
  expect(res.status).toBe(202);
  expect(res.body.reconciliation).toMatchObject({ ok: true });
  return eventually(
    async () => {
      const run = await h.db.pullRun.findFirst({ where: { accountId, status: { in: ["DONE"] } } });
      return run;
    },
    "pull run done",
    60_000,
  );
}

describe("Pull Transactions", () => {
  it("register: the nominated number is checked, then registered with Daraja (both spellings of its answer)", async () => {
    const bad = await settings({ intent: "register-pull", accountId, nominatedNumber: "174379" });
    expect(bad.status).toBe(422);
    expect(bad.body.reconciliation).toMatchObject({ ok: false, field: "nominatedNumber" });
    const other = await settings({
      intent: "register-pull",
      accountId: "acct_of_someone_else",
      nominatedNumber: "0722000000",
    });
    expect(other.status).toBe(409);

    h.emulator.setPullQuirks({ registerSpelling: "Response Status" });
    const ok = await settings({ intent: "register-pull", accountId, nominatedNumber: "0722 000 000" });
    expect(ok.status).toBe(200);
    expect(ok.body.reconciliation).toMatchObject({ ok: true });
    const reg = h.emulator.requests({ path: "/pulltransactions/v1/register" }).at(-1)!;
    expect(reg.body).toMatchObject({ ShortCode: "174379", RequestType: "Pull", NominatedNumber: "254722000000" });
    h.emulator.setPullQuirks({ registerSpelling: "ResponseStatus" });
    const again = await settings({ intent: "register-pull", accountId, nominatedNumber: "0722000000" });
    expect(again.body.reconciliation.message).toMatch(/already registered/);

    const view = await page();
    const shown = view.reconciliation.pullAccounts.find((a: any) => a.id === accountId);
    expect(shown).toMatchObject({ shortCode: "174379" });
    expect(shown.registeredAt).not.toBeNull();
    expect(shown.nominatedNumberMasked).not.toContain("722000000");
  });

  it("a missed callback ends paid; the next pull attaches its receipt once (pages, an expired token mid-pagination, repeated rows)", async () => {
    const order = createOrder(h.standin);
    const res = await pay(h.app, order.id, "0712 370 004");
    const id = res.body.attempt.id as string;
    const recorded = await eventually(
      async () => {
        const a = await attempt(id);
        return a.recordedInShopifyAt ? a : null;
      },
      "recorded paid with receipt pending",
      60_000,
    );
    expect(recorded).toMatchObject({ status: "SUCCEEDED", mpesaReceipt: null });
    expect(meta(order.id, "receipt")).toBe("pending");
    // More money on the shortcode so the pull spans pages: paybill payments the app already applied.
    for (const amount of [101, 102, 103])
      await h.emulator.c2bPay({ shortCode: "174379", amount, msisdn: "254722000111", billRef: `NOORDER${amount}` });

    h.emulator.setPullQuirks({ overlapPages: true, expireTokensAfterPages: 1 });
    const queriesBefore = pullQueries().length;
    const tokensBefore = h.emulator.stats().tokensIssued;
    const run = await pullNow();
    // The token expired after the first page: the client fetched a new one and went on.
    expect(h.emulator.stats().tokensIssued).toBeGreaterThan(tokensBefore);
    expect(pullQueries().filter((r) => r.status === 401).length).toBeGreaterThan(0);
    h.emulator.setPullQuirks({ overlapPages: false, expireTokensAfterPages: null });
    const receipt = h.emulator.stkTransactions().find((t) => t.checkoutRequestId === recorded.checkoutRequestId)!.final!
      .receipt!;
    expect(pullQueries().length - queriesBefore).toBeGreaterThan(2); // several pages, one resent after the refresh
    expect(run.attached).toBe(1);
    // Each receipt once although pages repeated rows.
    const distinct = new Set(
      h.emulator
        .ledger()
        .filter((e) => e.shortCode === "174379")
        .map((e) => e.receipt),
    ).size;
    expect(run.rows).toBe(distinct);
    expect(await attempt(id)).toMatchObject({ mpesaReceipt: receipt, receiptFoundBy: "pull" });
    await eventually(async () => (meta(order.id, "receipt") === receipt ? true : null), "receipt on the order", 30_000);
    await eventually(
      async () => (await h.db.mpesaReceipt.findUnique({ where: { receipt } }))?.shopifyRecordedAt,
      "attach finished",
      30_000,
    );
    expect(h.standin.getOrder(order.id)?.tags).toEqual(expect.arrayContaining([`mpesa:${receipt}`]));
    expect(h.standin.getOrder(order.id)?.tags).not.toContain("mpesa-receipt-pending");
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });

    // Pulling again: everything is known now — confirmations, nothing attached or written twice.
    const writes = h.standin.mutations("MetafieldsSet").length;
    const second = await pullNow();
    expect(second).toMatchObject({ attached: 0, newMatched: 0, unmatched: 0 });
    expect(second.confirmed).toBe(second.rows);
    expect(h.standin.mutations("MetafieldsSet").length).toBe(writes);
  }, 180_000);

  it("money the app never heard of: matched to its order like a C2B confirmation, or queued as unmatched", async () => {
    const order = createOrder(h.standin);
    // Paid from the M-PESA menu while the C2B URLs are not registered: only Pull can tell the app.
    await announceOrder(h, order);
    await eventually(
      () => h.db.mpesaOrder.findFirst({ where: { orderGid: order.id, referenceKey: { not: null } } }),
      "order known",
    );
    const matched = await h.emulator.c2bPay({
      shortCode: "174379",
      amount: 1500,
      msisdn: "254722000222",
      billRef: `INV${order.name.replace("#", "")}`,
    });
    const stray = await h.emulator.c2bPay({
      shortCode: "174379",
      amount: 777,
      msisdn: "254722000333",
      billRef: "WHO?",
    });
    const run = await pullNow();
    expect(run.newMatched).toBeGreaterThanOrEqual(1);
    expect(run.unmatched).toBeGreaterThanOrEqual(1);
    expect(await h.db.c2bPayment.findUniqueOrThrow({ where: { receipt: stray.transId } })).toMatchObject({
      status: "UNMATCHED",
      amountKes: 777,
    });
    const applied = await eventually(
      async () => {
        const p = await h.db.c2bPayment.findUnique({ where: { receipt: matched.transId } });
        return p?.status === "APPLIED" ? p : null;
      },
      "applied to the order",
      30_000,
    );
    expect(applied.orderGid).toBe(order.id);
    expect(shopifyPayments(h.standin, order.id).sales).toBe(1);
  }, 120_000);

  it("no records (both forms) is an empty pull; Daraja's HTTP-200 failure is a failure, retried", async () => {
    // A window with nothing: the emulator's ledger is cleared.
    h.emulator.reset();
    for (const emptyForm of ["sandbox", "portal"] as const) {
      h.emulator.setPullQuirks({ emptyForm });
      const run = await pullNow();
      expect(run).toMatchObject({ status: "DONE", rows: 0, error: null });
    }
    h.emulator.setPullQuirks({ emptyForm: "sandbox", failNext: 1 });
    await ensureRegistered();
    await h.db.pullRun.deleteMany({ where: { accountId } });
    await h.db.job.deleteMany({ where: { type: "pull-transactions" } });
    expect((await settings({ intent: "pull-now", accountId })).status).toBe(202);
    const failed = await eventually(
      () => h.db.pullRun.findFirst({ where: { accountId, status: "FAILED" } }),
      "the failed pull recorded",
      30_000,
    );
    expect(failed.error).toMatch(/500|retry/i);
    // The job runner retries it: the same window then succeeds.
    const done = await eventually(
      () => h.db.pullRun.findFirst({ where: { accountId, status: "DONE" } }),
      "the retried pull done",
      60_000,
    );
    expect(done.id).toBe(failed.id);
  }, 180_000);
});
