import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { resetEnvForTests } from "../app/lib/env.server";
import { parseC2bConfirmationAsReceived, parseStkCallback } from "../app/modules/daraja";
import { registerJobHandler } from "../app/modules/jobs/handlers";
import { runDueJobs } from "../app/modules/jobs/runner.server";
import { enterConfirmation } from "../app/modules/c2b/ledger.server";
import { orderKeys } from "../app/modules/c2b/matching";
import { settleAttempt } from "../app/modules/payments/settle.server";
import { importStatement } from "../app/modules/reconciliation/import.server";
import { shortcodeCheckFromAccounts } from "../app/modules/reconciliation/shortcodes.server";
import { asReadable } from "../app/modules/reconciliation/statement";
import { runReconciliationJob, sendReconciliationEmailJob } from "../app/modules/reconciliation/run/deps.server";
import { RUN_RECONCILIATION, SEND_RECONCILIATION_EMAIL } from "../app/modules/reconciliation/run/job-types";
import { reportCsv, runItems } from "../app/modules/reconciliation/run/report.server";
import { runReconciliation, type RunDeps } from "../app/modules/reconciliation/run/run.server";
import { dailyWindowDue, eatDaysWindow, enqueueDueDailyRuns } from "../app/modules/reconciliation/run/schedule.server";
import {
  getReconcileSettings,
  parseReconcileSettings,
  saveReconcileSettings,
} from "../app/modules/reconciliation/run/settings.server";
import { startEmulator, type Emulator } from "../emulator/index";
import { call, startReceiver, STK_PUSH, stkBody, token, type Receiver } from "../emulator/test-support";
import { deleteShopData } from "../app/modules/webhooks/shop-redact.server";
import { startMailbox, type Mailbox } from "../scripts/sandbox/mailbox";

// The reconciliation run end to end, in process: the Daraja emulator moves the money (STK prompts and
// paybill payments, their callbacks entered into the app's ledger by the app's own settle and C2B ledger
// code), its Org Portal statement is downloaded and imported, the run compares, and the mail goes over
// SMTP to a real SMTP server (smtp-server) started here, through the job queue.

const SHOP = "recon-run.myshopify.com";
const OPS = "ops@recon-run.example";
let emu: Emulator;
let rx: Receiver;
let bearer: string;
let mailbox: Mailbox;
const started = new Date(Date.now() - 60_000);
const deps: RunDeps = { db: prisma, now: () => new Date(), claimMs: 60_000 };

beforeAll(async () => {
  mailbox = await startMailbox();
  process.env.SMTP_URL = mailbox.smtpUrl;
  process.env.SMTP_FROM = "Reconciliation <recon@app.example>";
  process.env.SMTP_TIMEOUT_MS = "5000";
  resetEnvForTests();
  registerJobHandler(RUN_RECONCILIATION, (p) => runReconciliationJob(prisma, p));
  registerJobHandler(SEND_RECONCILIATION_EMAIL, (p) => sendReconciliationEmailJob(prisma, p));
  rx = await startReceiver();
  emu = await startEmulator({ callbackDelayMs: 5 });
  bearer = await token(emu);
  await call(
    emu,
    "/mpesa/c2b/v2/registerurl",
    {
      ShortCode: "174379",
      ResponseType: "Completed",
      ConfirmationURL: `${rx.url}/confirm`,
      ValidationURL: `${rx.url}/validate`,
    },
    { token: bearer },
  );
  await prisma.shopSettings.create({ data: { shopDomain: SHOP, operationsEmail: OPS, receiptPendingHours: 1 } });
  await prisma.mpesaAccount.create({
    data: {
      shopDomain: SHOP,
      defaultForShop: SHOP,
      environment: "sandbox",
      kind: "paybill",
      businessShortCode: "174379",
      consumerKey: "k",
      consumerSecretEnc: "sealed",
      passkeyEnc: "sealed",
    },
  });
});
afterAll(async () => {
  await emu.close();
  await rx.close();
  await mailbox.close();
  await prisma.$disconnect();
});

let orderN = 1000;
async function order(outstandingKes: number) {
  const n = ++orderN;
  const orderGid = `gid://shopify/Order/${n}`;
  await prisma.mpesaOrder.create({
    data: {
      shopDomain: SHOP,
      orderGid,
      orderName: `#${n}`,
      currency: "KES",
      outstandingKes,
      ...orderKeys({ accountReference: `INV${n}`, orderName: `#${n}` }),
    },
  });
  return { orderGid, name: `#${n}`, reference: `INV${n}` };
}

/** An STK prompt paid on the emulator, its callback settled by the app's own settle step. */
async function stkPaid(amount: number, phone = 254712345678) {
  const o = await order(amount);
  const attempt = await prisma.paymentAttempt.create({
    data: {
      shopDomain: SHOP,
      orderGid: o.orderGid,
      orderName: o.name,
      amountKes: amount,
      environment: "sandbox",
      callbackTokenHash: crypto.randomUUID(),
    },
  });
  const res = await call(emu, STK_PUSH, stkBody(phone, `${rx.url}/stk/${attempt.id}`, { Amount: amount }), {
    token: bearer,
  });
  expect(res.status).toBe(200);
  await prisma.paymentAttempt.update({
    where: { id: attempt.id },
    data: { checkoutRequestId: res.body.CheckoutRequestID, merchantRequestId: res.body.MerchantRequestID },
  });
  const [hit] = await rx.waitFor(`/stk/${attempt.id}`);
  const cb = parseStkCallback(hit.body);
  const settled = await settleAttempt(
    { db: prisma, now: () => new Date() },
    attempt.id,
    {
      source: "callback",
      checkoutRequestId: cb.checkoutRequestId,
      resultCode: cb.resultCode,
      resultDesc: cb.resultDesc,
      amount: cb.amount,
      receipt: cb.mpesaReceiptNumber,
      transactionDate: cb.transactionDate,
    },
    { status: "SUCCEEDED" },
  );
  expect(settled).toMatchObject({ applied: true, status: "SUCCEEDED" });
  return { ...o, attemptId: attempt.id, receipt: cb.mpesaReceiptNumber! };
}

/** A paybill payment made on the emulator, its confirmation entered by the app's C2B ledger. */
async function c2bPaid(amount: number, billRef: string) {
  const before = rx.at("/confirm").length;
  const paid = await emu.c2bPay({ shortCode: "174379", amount, msisdn: "254722000111", billRef });
  const hits = await rx.waitFor("/confirm", before + 1);
  const outcome = await enterConfirmation(
    prisma,
    {
      shopDomain: SHOP,
      accountId: null,
      callbackLogId: null,
      payment: parseC2bConfirmationAsReceived(hits.at(-1)!.body),
    },
    new Date(),
  );
  return { receipt: paid.transId, outcome };
}

async function importEmulatorStatement() {
  const res = await fetch(`${emu.url}/__emulator/statement?shortCode=174379&format=csv`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const r = await importStatement(prisma, {
    shop: SHOP,
    file: { name: "statement.csv", bytes: bytes.length, sha256: "x", source: { open: () => asReadable(bytes) } },
    checkShortcode: shortcodeCheckFromAccounts(prisma),
  });
  expect(r).toMatchObject({ status: "IMPORTED", problems: [] });
}

const jobOpts = { lockMs: 30_000, backoff: { baseMs: 50, maxMs: 200 } };
async function drainJobs(until: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!(await until())) {
    if (Date.now() > end) throw new Error("jobs did not finish in time");
    await runDueJobs(prisma, jobOpts);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const windowNow = () => ({ from: started, to: new Date(Date.now() + 60_000) });

describe("reconciliation run", () => {
  let zeroWindow: { from: Date; to: Date };
  let drift: { receipt: string };
  let unmatched: { receipt: string };
  let overpaid: { receipt: string };
  let plantedWindow: { from: Date; to: Date };

  it("a statement downloaded from the emulator reconciles with zero mismatches", async () => {
    await stkPaid(150);
    await stkPaid(2_400, 254712345679);
    const o = await order(800);
    expect((await c2bPaid(800, o.reference)).outcome.kind).toBe("matched");
    await importEmulatorStatement();
    zeroWindow = windowNow();
    const r = await runReconciliation(deps, { shop: SHOP, window: zeroWindow, trigger: "ON_DEMAND" });
    expect(r).toMatchObject({ status: "done", itemCount: 0, needsPerson: 0, mail: null });
    const run = await prisma.reconciliationRun.findUniqueOrThrow({ where: { id: r.status === "done" ? r.runId : "" } });
    expect(JSON.parse(run.summary!)).toMatchObject({ statementMatched: 3, coverage: { imports: 1 } });
    expect(await prisma.job.count({ where: { type: SEND_RECONCILIATION_EMAIL.name } })).toBe(0);
  });

  it("a planted unmatched credit, amount drift and unrefunded over-payment each appear in the report and the mail", async () => {
    // Unmatched: a paybill payment naming no order. Over-payment: KES 1,000 for an order of 700, applied
    // with the surplus flagged (as the record job leaves it) and never refunded. Drift: the ledger holds
    // KES 1 less than M-PESA moved for one STK receipt.
    unmatched = await c2bPaid(555, "NO-SUCH-ORDER");
    expect(unmatched).toMatchObject({ outcome: { kind: "unmatched" } });
    const small = await order(700);
    const over = await c2bPaid(1_000, small.reference);
    overpaid = over;
    await prisma.c2bPayment.update({
      where: { receipt: over.receipt },
      data: { status: "APPLIED", appliedKes: 700, surplusKes: 300, reason: "OVERPAID", recordedAt: new Date() },
    });
    await prisma.mpesaOrder.updateMany({
      where: { orderGid: small.orderGid },
      data: { outstandingKes: 0, paidAt: new Date() },
    });
    drift = await stkPaid(1_250);
    await prisma.mpesaReceipt.update({ where: { receipt: drift.receipt }, data: { amountKes: 1_249 } });
    await importEmulatorStatement();

    plantedWindow = windowNow();
    const r = await runReconciliation(deps, { shop: SHOP, window: plantedWindow, trigger: "SCHEDULED" });
    expect(r).toMatchObject({ status: "done", itemCount: 3, needsPerson: 3, mail: "alert" });
    const items = await runItems(prisma, SHOP, r.status === "done" ? r.runId : "");
    expect(items.map((i) => [i.kind, i.receipt, i.action])).toEqual([
      ["UNMATCHED_CREDIT", unmatched.receipt, "APPLY_TO_ORDER"],
      ["AMOUNT_DRIFT", drift.receipt, "INVESTIGATE"],
      ["OVERPAID_UNREFUNDED", overpaid.receipt, "REFUND"],
    ]);
    expect(items.find((i) => i.kind === "AMOUNT_DRIFT")).toMatchObject({ amount: "KES 1,250", other: "KES 1,249" });
    expect(items.find((i) => i.kind === "UNMATCHED_CREDIT")!.actionUrl).toMatch(
      /^\/app\/payments\/unmatched\?payment=/,
    );

    await drainJobs(() => mailbox.messages().length > 0);
    const mail = mailbox.messages()[0];
    expect(mail.envelopeTo).toEqual([OPS]);
    expect(mail.from).toContain("recon@app.example");
    expect(mail.subject).toMatch(/3 mismatches need attention/);
    for (const receipt of [unmatched.receipt, drift.receipt, overpaid.receipt]) {
      expect(mail.text).toContain(receipt);
      expect(mail.attachments[0].content).toContain(receipt);
    }
    expect(mail.text).toContain("Money received with no order");
    expect(mail.text).toContain("Amount paid differs from the amount recorded");
    expect(mail.text).toContain("Over-payment not yet refunded");
  });

  it("re-running the same window gives the same report and sends no second mail", async () => {
    const first = await prisma.reconciliationRun.findFirstOrThrow({ where: { windowTo: plantedWindow.to } });
    const before = await prisma.reconciliationItem.findMany({ where: { runId: first.id }, orderBy: { key: "asc" } });
    const again = await runReconciliation(deps, { shop: SHOP, window: plantedWindow, trigger: "SCHEDULED" });
    expect(again).toMatchObject({ status: "done", runId: first.id, fingerprint: first.fingerprint, mail: "alert" });
    const after = await prisma.reconciliationItem.findMany({ where: { runId: first.id }, orderBy: { key: "asc" } });
    const strip = (rows: typeof before) => rows.map(({ id: _id, createdAt: _c, ...rest }) => rest);
    expect(strip(after)).toEqual(strip(before));
    expect(await prisma.reconciliationRun.count({ where: { shopDomain: SHOP, windowTo: plantedWindow.to } })).toBe(1);
    expect((await prisma.reconciliationRun.findUniqueOrThrow({ where: { id: first.id } })).runs).toBe(2);
    expect(await prisma.job.count({ where: { type: SEND_RECONCILIATION_EMAIL.name } })).toBe(1);
  });

  it("two concurrent runs of one window make one report", async () => {
    const w = { from: started, to: new Date(plantedWindow.to.getTime() + 1000) };
    const [a, b] = await Promise.all([
      runReconciliation(deps, { shop: SHOP, window: w, trigger: "ON_DEMAND" }),
      runReconciliation(deps, { shop: SHOP, window: w, trigger: "ON_DEMAND" }),
    ]);
    expect([a.status, b.status].sort()).toEqual(["busy", "done"]);
    expect(a.runId).toBe(b.runId);
    expect(await prisma.reconciliationRun.count({ where: { shopDomain: SHOP, windowTo: w.to } })).toBe(1);
    expect(await prisma.reconciliationItem.count({ where: { runId: a.runId } })).toBe(3);
    // The queued form: the job that finds the window taken comes back later instead of computing it twice.
    const held = await prisma.reconciliationRun.update({
      where: { id: a.runId },
      data: { status: "RUNNING", claimToken: "other-instance", claimUntil: new Date(Date.now() + 60_000) },
    });
    await expect(
      runReconciliationJob(prisma, {
        shop: SHOP,
        from: w.from.toISOString(),
        to: w.to.toISOString(),
        trigger: "ON_DEMAND",
      }),
    ).rejects.toMatchObject({ name: "RetryLaterError" });
    await prisma.reconciliationRun.update({ where: { id: held.id }, data: { status: "DONE", claimToken: null } });
  });

  it("SMTP down: the run completes at once and the mail is retried by the job queue until it goes", async () => {
    // Mail still queued from earlier reports goes first, so the refusals below meet this run's mail only.
    const queuedMail = () =>
      prisma.job.count({ where: { type: SEND_RECONCILIATION_EMAIL.name, status: { in: ["QUEUED", "RUNNING"] } } });
    await drainJobs(async () => (await queuedMail()) === 0);
    mailbox.clear();
    mailbox.refuse(2);
    // A new mismatch (another unmatched credit) makes a new report of a new window: a new alert.
    const another = await c2bPaid(42, "WHO-KNOWS");
    const w = { from: started, to: new Date(Date.now() + 120_000) };
    const r = await runReconciliation(deps, { shop: SHOP, window: w, trigger: "ON_DEMAND" });
    expect(r).toMatchObject({ status: "done", itemCount: 4, mail: "alert" });
    const job = await prisma.job.findFirstOrThrow({
      where: { type: SEND_RECONCILIATION_EMAIL.name, payload: { contains: r.status === "done" ? r.runId : "" } },
    });
    const forThisRun = () => mailbox.messages().filter((m) => m.text.includes(another.receipt));
    await drainJobs(() => forThisRun().length > 0);
    const done = await prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(done).toMatchObject({ status: "DONE" });
    // Refused sessions failed the job (retried by the queue's rule), then a later attempt delivered it once.
    expect(mailbox.refusedSessions()).toBe(2);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(forThisRun()).toHaveLength(1);
  });

  it("an empty window reports nothing, and says no statement covers it", async () => {
    const w = eatDaysWindow("2026-01-05", "2026-01-05")!;
    const r = await runReconciliation(deps, { shop: SHOP, window: w, trigger: "ON_DEMAND" });
    expect(r).toMatchObject({ status: "done", itemCount: 0 });
    const run = await prisma.reconciliationRun.findUniqueOrThrow({ where: { id: r.runId } });
    expect(JSON.parse(run.summary!).coverage).toEqual({ from: null, to: null, imports: 0 });
    await expect(
      runReconciliation(deps, { shop: SHOP, window: { from: w.to, to: w.from }, trigger: "ON_DEMAND" }),
    ).rejects.toThrow(/must end after it starts/);
  });

  it("the CSV of a report streams every item, with formula-looking text neutralised", async () => {
    const run = await prisma.reconciliationRun.findFirstOrThrow({ where: { windowTo: plantedWindow.to } });
    await prisma.reconciliationItem.updateMany({
      where: { runId: run.id, kind: "UNMATCHED_CREDIT" },
      data: { orderName: '=HYPERLINK("http://x")' },
    });
    let csv = "";
    for await (const chunk of reportCsv(prisma, SHOP, run.id, 2)) csv += chunk;
    const lines = csv
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toBe(
      "kind,severity,receipt,order,order_gid,amount_kes,other_kes,occurred_at_eat,detail,resolve,handled_at_eat,handled_by,handled_note",
    );
    expect(lines).toHaveLength(4);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    for (const r of [unmatched.receipt, drift.receipt, overpaid.receipt]) expect(csv).toContain(r);
  });

  it("the daily run is due after the merchant's EAT time and enqueued once per shop and day", async () => {
    // 05:59 EAT = 02:59 UTC: not yet; 06:00 EAT: yesterday's EAT day.
    expect(dailyWindowDue("06:00", new Date("2026-03-10T02:59:00Z"))).toBeNull();
    expect(dailyWindowDue("06:00", new Date("2026-03-10T03:00:00Z"))).toEqual({
      from: new Date("2026-03-08T21:00:00Z"),
      to: new Date("2026-03-09T21:00:00Z"),
    });
    expect(dailyWindowDue(null, new Date())).toBeNull();
    expect(eatDaysWindow("2026-02-31", "2026-02-31")).toBeNull();
    const now = new Date("2026-03-10T04:00:00Z");
    expect(await enqueueDueDailyRuns(prisma, now)).toBe(1);
    expect(await enqueueDueDailyRuns(prisma, now)).toBe(0);
    const job = await prisma.job.findFirstOrThrow({ where: { type: RUN_RECONCILIATION.name } });
    expect(JSON.parse(job.payload)).toEqual({
      shop: SHOP,
      from: "2026-03-08T21:00:00.000Z",
      to: "2026-03-09T21:00:00.000Z",
      trigger: "SCHEDULED",
    });
    await drainJobs(async () => (await prisma.job.findUniqueOrThrow({ where: { id: job.id } })).status === "DONE");
    expect(
      await prisma.reconciliationRun.count({
        where: { shopDomain: SHOP, windowFrom: new Date("2026-03-08T21:00:00Z") },
      }),
    ).toBe(1);
  });

  it("the settings form: bad input refused field by field, good input saved", async () => {
    expect(
      parseReconcileSettings({
        reconcileAtEat: "25:00",
        operationsEmail: "a@b.example, evil@x.example",
        dailySummaryEmail: "on",
        receiptPendingHours: "0",
      }),
    ).toEqual({
      ok: false,
      errors: {
        reconcileAtEat: expect.stringMatching(/HH:MM/),
        operationsEmail: "Enter one email address.",
        receiptPendingHours: expect.stringMatching(/between 1 and 168/),
      },
    });
    expect(
      parseReconcileSettings({
        reconcileAtEat: "07:30",
        operationsEmail: "",
        dailySummaryEmail: "on",
        receiptPendingHours: "4",
      }),
    ).toMatchObject({
      ok: false,
      errors: { dailySummaryEmail: expect.stringMatching(/needs an operations email/) },
    });
    const good = parseReconcileSettings({
      reconcileAtEat: "off",
      operationsEmail: " ops@x.example ",
      receiptPendingHours: "12",
    });
    expect(good).toEqual({
      ok: true,
      settings: {
        reconcileAtEat: null,
        operationsEmail: "ops@x.example",
        dailySummaryEmail: false,
        receiptPendingHours: 12,
      },
    });
    if (!good.ok) throw new Error("settings refused");
    const settings = good.settings;
    expect(await saveReconcileSettings(prisma, "no-such-shop.myshopify.com", settings)).toBe(false);
    const before = await getReconcileSettings(prisma, SHOP);
    expect(await saveReconcileSettings(prisma, SHOP, settings)).toBe(true);
    expect(await getReconcileSettings(prisma, SHOP)).toEqual({
      reconcileAtEat: null,
      operationsEmail: "ops@x.example",
      dailySummaryEmail: false,
      receiptPendingHours: 12,
    });
    // "off": no daily run is enqueued for the shop.
    expect(await enqueueDueDailyRuns(prisma, new Date("2026-03-11T04:00:00Z"))).toBe(0);
    await saveReconcileSettings(prisma, SHOP, before);
  });

  it("shop/redact deletes the shop's reports, items and handled marks", async () => {
    const item = await prisma.reconciliationItem.findFirstOrThrow({ where: { shopDomain: SHOP } });
    await prisma.reconciliationHandled.create({
      data: { shopDomain: SHOP, itemKey: item.key, note: "done", actor: "staff user 1" },
    });
    const counts = await prisma.$transaction((tx) => deleteShopData(tx, SHOP));
    expect(counts.reconciliationRuns).toBeGreaterThan(0);
    expect(counts.reconciliationItems).toBeGreaterThan(0);
    expect(counts.reconciliationHandled).toBe(1);
    for (const n of [
      await prisma.reconciliationRun.count({ where: { shopDomain: SHOP } }),
      await prisma.reconciliationItem.count({ where: { shopDomain: SHOP } }),
      await prisma.reconciliationHandled.count({ where: { shopDomain: SHOP } }),
    ])
      expect(n).toBe(0);
  });
});
