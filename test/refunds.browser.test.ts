import fs from "node:fs";
import path from "node:path";
import { type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import type { Sandbox } from "../scripts/sandbox/index";
import { ROOT } from "./support/databases";
import {
  removeStateDir,
  sandboxStateDir,
  startTestSandbox,
  launchTestBrowser,
  type TestBrowser,
} from "./sandbox.support";

// The merchant's part of a refund in headless Chromium, against the whole sandbox: a payment taken
// on the sandbox page, the initiator saved in settings, then "Refund via M-PESA" on the payment's
// page — a Reversal of the whole receipt through the emulator, the refund recorded on the Shopify stand-in;
// and a second payment made as a shopper makes one (a prompt that times out, a retry that pays, the
// first prompt paid after all), refunded from its review. Screenshots are kept in test-artifacts/refunds/.

const ARTIFACTS = path.join(ROOT, "test-artifacts", "refunds");
const stateDir = sandboxStateDir("refunds-browser");
let sandbox: Sandbox;
let browser: TestBrowser;
let context: BrowserContext;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // The "then pays anyway" prompt's money arrives 8 s after its 1037: time for the shopper's retry.
  sandbox = await startTestSandbox(stateDir, { lateCallbackDelayMs: 8_000 });
  browser = await launchTestBrowser();
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  removeStateDir(stateDir);
});

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const adminPage = (p: string) => sandbox.adminUrl.replace("/app?", `${p}?`);

describe("refunds in a browser", () => {
  it(
    "Refund via M-PESA on a paid payment: the receipt is reversed and Shopify records the refund",
    { timeout: 120_000 },
    async () => {
      // 1. A shopper pays an order on the sandbox page.
      const page = await context.newPage();
      await page.goto(sandbox.sandboxUrl);
      await expect.poll(() => page.getByRole("button", { name: /^Pay KES/ }).count(), { timeout: 15_000 }).toBe(1);
      const order = sandbox.orders[0];
      await page.getByText(order.name, { exact: true }).click();
      await page.getByRole("button", { name: /^Pay KES/ }).click();
      await expect.poll(() => page.getByText("Payment received").count(), { timeout: 30_000 }).toBe(1);

      // 2. The merchant adds the initiator in settings.
      await page.goto(adminPage("/app/settings"));
      const save = page.getByRole("button", { name: "Save", exact: true });
      await expect.poll(() => save.count(), { timeout: 15_000 }).toBe(1);
      await page.getByLabel("Initiator name").fill("apiop_sandbox");
      await page.getByLabel("Initiator password").fill("Safaricom999!*!");
      await save.click();
      await expect.poll(() => page.getByText("Settings saved").count(), { timeout: 15_000 }).toBe(1);

      // 3. The payment's page: refund part of it.
      const db = createPrismaClient(sandbox.databaseUrl);
      try {
        const attempt = await db.paymentAttempt.findFirstOrThrow({
          where: { orderGid: order.id, status: "SUCCEEDED" },
        });
        await page.goto(adminPage(`/app/payments/${attempt.id}`));
        await expect
          .poll(() => page.getByRole("button", { name: "Refund via M-PESA" }).count(), { timeout: 15_000 })
          .toBe(1);
        await shot(page, "01-payment-before-refund");
        // The amount offered is what the receipt still holds: the whole receipt, within the window.
        const received = (await db.mpesaReceipt.findUniqueOrThrow({ where: { receipt: attempt.mpesaReceipt! } }))
          .amountKes;
        await page.getByRole("button", { name: "Refund via M-PESA" }).click();
        await expect
          .poll(() => page.getByText(`Sending KES ${received} back by reversal.`).count(), { timeout: 15_000 })
          .toBe(1);
        await expect
          .poll(async () => (await db.mpesaRefund.findFirst({ where: { orderGid: order.id } }))?.state, {
            timeout: 30_000,
          })
          .toBe("RECORDED_IN_SHOPIFY");
        await shot(page, "02-refund-sending");
        await page.reload();
        await expect.poll(() => page.getByText("Paid back, recorded in Shopify").count(), { timeout: 15_000 }).toBe(1);
        await shot(page, "03-payment-refunded");
        const res = await fetch(`${sandbox.standinUrl}/__standin/orders/${encodeURIComponent(order.id)}`);
        const snapshot = (await res.json()).order as { transactions: { kind: string; amount: string }[] };
        expect(snapshot.transactions.filter((t) => t.kind === "REFUND").map((t) => Number(t.amount))).toEqual([
          received,
        ]);
      } finally {
        await db.$disconnect();
      }
      await page.close();
    },
  );

  it(
    "a refund made in the admin waits on the payment's page; approved, B2C pays it back",
    { timeout: 150_000 },
    async () => {
      const page = await context.newPage();
      await page.goto(sandbox.sandboxUrl);
      await expect.poll(() => page.getByRole("button", { name: /^Pay KES/ }).count(), { timeout: 15_000 }).toBe(1);
      const order = sandbox.orders[2]; // KES 1,499
      await page.getByText(order.name, { exact: true }).click();
      await page.getByRole("button", { name: /^Pay KES/ }).click();
      await expect.poll(() => page.getByText("Payment received").count(), { timeout: 30_000 }).toBe(1);
      // The merchant refunds part of it in the (stand-in) Shopify admin.
      await expect
        .poll(() => page.getByRole("button", { name: "Refund in the admin" }).count(), { timeout: 30_000 })
        .toBe(1);
      await page.getByLabel("Amount to refund (KES; blank: all of it)").fill("abc");
      await page.getByRole("button", { name: "Refund in the admin" }).click();
      await expect.poll(() => page.getByText(/Not a refund/).count(), { timeout: 15_000 }).toBe(1);
      await page.getByLabel("Amount to refund (KES; blank: all of it)").fill("300");
      await page.getByRole("button", { name: "Refund in the admin" }).click();
      await expect.poll(() => page.getByText("Refunded KES 300.0 in the admin").count(), { timeout: 15_000 }).toBe(1);
      await page.getByText("Refund in the admin").last().scrollIntoViewIfNeeded();
      await shot(page, "04-sandbox-refund-in-admin");

      const db = createPrismaClient(sandbox.databaseUrl);
      try {
        const attempt = await db.paymentAttempt.findFirstOrThrow({
          where: { orderGid: order.id, status: "SUCCEEDED" },
        });
        await page.goto(adminPage(`/app/payments/${attempt.id}`));
        await expect.poll(() => page.getByText("Waiting for approval").count(), { timeout: 15_000 }).toBe(1);
        await shot(page, "05-pending-refund-from-shopify");
        await page.getByRole("button", { name: "Approve and send" }).click();
        await expect
          .poll(async () => (await db.mpesaRefund.findFirst({ where: { orderGid: order.id } }))?.state, {
            timeout: 30_000,
          })
          .toBe("SUCCEEDED");
        const refund = await db.mpesaRefund.findFirstOrThrow({ where: { orderGid: order.id } });
        expect(refund).toMatchObject({ method: "B2C", amountKes: 300, initiatedBy: "WEBHOOK" });
        await page.reload();
        await expect
          .poll(() => page.getByText(`M-PESA ${refund.mpesaTransactionId}`).count(), { timeout: 15_000 })
          .toBe(1);
        await shot(page, "06-shopify-refund-paid-back");
      } finally {
        await db.$disconnect();
      }
      await page.close();
    },
  );

  it(
    "a second payment: the first prompt times out, the retry pays, the first is paid anyway; refunded from its review",
    { timeout: 120_000 },
    async () => {
      const page = await context.newPage();
      await page.goto(sandbox.sandboxUrl);
      await expect.poll(() => page.getByRole("button", { name: /^Pay KES/ }).count(), { timeout: 15_000 }).toBe(1);
      const order = sandbox.orders[1]; // not paid by the tests before it
      await page.getByText(order.name, { exact: true }).click();
      await expect.poll(() => page.getByLabel(new RegExp(order.name)).isChecked(), { timeout: 15_000 }).toBe(true);
      const answers = page.getByLabel("How the phone answers (emulator)");
      await answers.selectOption("timeout_then_paid");
      expect(await answers.inputValue()).toBe("timeout_then_paid");
      await page.getByRole("button", { name: /^Pay KES/ }).click();
      await expect.poll(() => page.getByText("No answer from your phone").count(), { timeout: 30_000 }).toBe(1);
      await shot(page, "10-first-prompt-timed-out");
      await answers.selectOption("pay");
      await page.getByRole("button", { name: "Retry", exact: true }).click();
      await expect.poll(() => page.getByText("Payment received").count(), { timeout: 30_000 }).toBe(1);
      const db = createPrismaClient(sandbox.databaseUrl);
      try {
        // The first prompt's money arrives after all: held as a second payment of a paid order.
        await expect
          .poll(
            async () =>
              (await db.paymentAttempt.findFirst({ where: { orderGid: order.id, status: "NEEDS_REVIEW" } }))
                ?.reviewCode ?? null,
            { timeout: 30_000 },
          )
          .toBe("SECOND_PAYMENT_REFUND");
        const attempt = await db.paymentAttempt.findFirstOrThrow({
          where: { orderGid: order.id, status: "NEEDS_REVIEW" },
        });
        await page.goto(adminPage(`/app/payments/${attempt.id}`));
        const refund = page.getByRole("button", { name: `Refund KES ${Math.round(Number(order.total))} via M-PESA` });
        await expect.poll(() => refund.count(), { timeout: 15_000 }).toBe(1);
        expect(await page.getByText("The order is already paid by another payment.").count()).toBe(1);
        await shot(page, "11-second-payment-review");
        await refund.click();
        await expect
          .poll(
            async () =>
              (await db.mpesaRefund.findFirst({ where: { receipt: attempt.mpesaReceipt!, state: "SUCCEEDED" } }))
                ?.method ?? null,
            { timeout: 30_000 },
          )
          .toBe("REVERSAL");
        await page.reload();
        await expect.poll(() => page.getByText(/^Refunded via M-PESA by /).count(), { timeout: 15_000 }).toBe(1);
        expect(await page.getByText("Reviewed: refunded", { exact: true }).count()).toBe(1);
        expect(
          await page.getByText(`KES ${Math.round(Number(order.total))} by reversal (the whole receipt back)`).count(),
        ).toBe(1);
        await shot(page, "12-second-payment-refunded");
        expect(await db.paymentReviewResolution.findUnique({ where: { attemptId: attempt.id } })).toMatchObject({
          action: "REFUNDED",
        });
        // One payment on the order, the retry's; the second went back to the phone.
        expect(await db.paymentAttempt.count({ where: { orderGid: order.id, status: "SUCCEEDED" } })).toBe(1);
      } finally {
        await db.$disconnect();
      }
      await page.close();
    },
  );

  it(
    "a paybill payment refunded in the admin: its page asks for the customer's number, checked against M-PESA's mask",
    { timeout: 150_000 },
    async () => {
      const page = await context.newPage();
      await page.goto(sandbox.sandboxUrl);
      await expect.poll(() => page.getByRole("button", { name: /^Pay KES/ }).count(), { timeout: 15_000 }).toBe(1);
      // A fresh order, paid from the M-PESA menu (paybill): M-PESA tells the app only a masked number.
      await page.getByRole("button", { name: "Add a demo order" }).click();
      const added = page.getByText(/^Order #\d+ \(KES \d+\) added for/);
      await expect.poll(() => added.count(), { timeout: 20_000 }).toBe(1);
      const name = (await added.innerText()).match(/#\d+/)![0];
      await page.getByText(name, { exact: true }).click();
      await expect.poll(() => page.getByLabel(new RegExp(name)).isChecked(), { timeout: 15_000 }).toBe(true);
      await page.getByRole("button", { name: "Send from the M-PESA menu" }).click();
      await expect
        .poll(() => page.getByRole("button", { name: "Refund in the admin" }).count(), { timeout: 30_000 })
        .toBe(1);
      await page.getByLabel("Amount to refund (KES; blank: all of it)").fill("50");
      await page.getByRole("button", { name: "Refund in the admin" }).click();
      await expect.poll(() => page.getByText("Refunded KES 50.0 in the admin").count(), { timeout: 15_000 }).toBe(1);

      const db = createPrismaClient(sandbox.databaseUrl);
      try {
        const payment = await db.c2bPayment.findFirstOrThrow({ where: { orderName: name, status: "APPLIED" } });
        expect(payment.payerKind).toBe("masked");
        // The merchant finds it in Payments: the paybill row opens its own page.
        await page.goto(adminPage("/app/payments"));
        await expect.poll(() => page.getByText(payment.receipt).count(), { timeout: 15_000 }).toBeGreaterThan(0);
        await page.getByRole("link", { name: "Paybill", exact: true }).first().click();
        await expect.poll(() => page.getByText("Waiting for approval").count(), { timeout: 15_000 }).toBe(1);
        expect(new URL(page.url()).pathname).toBe(`/app/payments/c2b/${payment.id}`);
        const number = page.getByLabel("Customer's M-PESA number");
        expect(await page.getByText(`M-PESA showed the paying number as ${payment.payer}`).count()).toBe(1);
        await shot(page, "13-paybill-refund-needs-number");
        await number.fill("0712 000 999");
        await page.getByRole("button", { name: "Approve and send" }).click();
        await expect.poll(() => page.getByText(/is not the number that paid/).count(), { timeout: 15_000 }).toBe(1);
        await shot(page, "14-paybill-refund-wrong-number");
        expect((await db.mpesaRefund.findFirstOrThrow({ where: { receipt: payment.receipt } })).state).toBe(
          "PENDING_APPROVAL",
        );
        await number.fill("0712 345 678");
        await page.getByRole("button", { name: "Approve and send" }).click();
        await expect
          .poll(async () => (await db.mpesaRefund.findFirst({ where: { receipt: payment.receipt } }))?.state, {
            timeout: 30_000,
          })
          .toBe("SUCCEEDED");
        await page.goto(adminPage(`/app/payments/c2b/${payment.id}`));
        await expect.poll(() => page.getByText(/^Paid back/).count(), { timeout: 15_000 }).toBe(1);
        expect(await page.getByText("to 2547****5678").count()).toBe(1);
        await shot(page, "15-paybill-refund-paid-back");
        expect(await db.mpesaRefund.findFirstOrThrow({ where: { receipt: payment.receipt } })).toMatchObject({
          method: "B2C",
          amountKes: 50,
          phone: "254712345678",
          initiatedBy: "WEBHOOK",
        });
      } finally {
        await db.$disconnect();
      }
      await page.close();
    },
  );

  it(
    "a payment held for review: handled outside the app with a note; the refund rule in settings",
    { timeout: 120_000 },
    async () => {
      const page = await context.newPage();
      await page.goto(sandbox.sandboxUrl);
      await expect.poll(() => page.getByRole("button", { name: /^Pay KES/ }).count(), { timeout: 15_000 }).toBe(1);
      const order = sandbox.orders[3];
      await page.getByText(order.name, { exact: true }).click();
      await page.getByRole("button", { name: /^Pay KES/ }).click();
      await expect.poll(() => page.getByText("Payment received").count(), { timeout: 30_000 }).toBe(1);
      const db = createPrismaClient(sandbox.databaseUrl);
      try {
        await expect
          .poll(() => db.paymentAttempt.count({ where: { orderGid: order.id, recordedInShopifyAt: { not: null } } }), {
            timeout: 30_000,
          })
          .toBe(1);
        // Held as a second payment of a paid order (the payment flow's SECOND_PAYMENT_REFUND).
        const attempt = await db.paymentAttempt.findFirstOrThrow({
          where: { orderGid: order.id, status: "SUCCEEDED" },
        });
        await db.paymentAttempt.update({
          where: { id: attempt.id },
          data: { status: "NEEDS_REVIEW", reviewCode: "SECOND_PAYMENT_REFUND", reviewDetail: "order already paid" },
        });
        await page.goto(adminPage(`/app/payments/${attempt.id}`));
        await expect
          .poll(() => page.getByRole("button", { name: /^Refund KES \d+ via M-PESA$/ }).count(), {
            timeout: 15_000,
          })
          .toBe(1);
        // The generic refund form is not offered while the review is open.
        expect(await page.getByRole("button", { name: "Refund via M-PESA" }).count()).toBe(0);
        await shot(page, "07-review-actions");
        await page.getByRole("button", { name: "Mark handled outside the app" }).click();
        await expect.poll(() => page.getByText("Say how it was handled").count(), { timeout: 15_000 }).toBe(1);
        await page.getByLabel("Handled outside the app: how?").fill("customer asked to keep it as store credit");
        await page.getByRole("button", { name: "Mark handled outside the app" }).click();
        await expect.poll(() => page.getByText(/^Handled outside the app by /).count(), { timeout: 15_000 }).toBe(1);
        await shot(page, "08-review-handled-outside");
        expect(await db.paymentReviewResolution.findUnique({ where: { attemptId: attempt.id } })).toMatchObject({
          action: "HANDLED_OUTSIDE",
          note: "customer asked to keep it as store credit",
        });
      } finally {
        await db.$disconnect();
      }
      await page.goto(adminPage("/app/settings"));
      await expect
        .poll(() => page.getByRole("button", { name: "Save refund rule" }).count(), { timeout: 15_000 })
        .toBe(1);
      const field = page.getByLabel("Approve refunds automatically up to (KES, whole shillings)");
      await field.fill("12.5");
      await page.getByRole("button", { name: "Save refund rule" }).click();
      await expect.poll(() => page.getByText(/^Enter whole shillings/).count(), { timeout: 15_000 }).toBeGreaterThan(0);
      await field.fill("500");
      await page.getByRole("button", { name: "Save refund rule" }).click();
      try {
        await expect
          .poll(() => page.getByText("Refunds up to KES 500 are approved automatically.").count(), { timeout: 15_000 })
          .toBe(1);
      } finally {
        await shot(page, "09-settings-refund-rule");
      }
      await page.close();
    },
  );
});
