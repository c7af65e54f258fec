import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import type { Sandbox } from "../scripts/sandbox/index";
import { ROOT } from "./support/databases";
import { removeStateDir, sandboxStateDir, startTestSandbox } from "./sandbox.support";

// The merchant's part of a refund in headless Chromium, against the whole sandbox: a payment taken
// on the sandbox page, the initiator saved in settings, then "Refund via M-PESA" on the payment's
// page — a Reversal of the whole receipt through the emulator, the refund recorded on the Shopify stand-in. Screenshots are kept
// in test-artifacts/refunds/ for a person to look at.

const ARTIFACTS = path.join(ROOT, "test-artifacts", "refunds");
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const stateDir = sandboxStateDir("refunds-browser");
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "refunds-chromium-"));
let sandbox: Sandbox;
let context: BrowserContext;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startTestSandbox(stateDir);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    userAgent: USER_AGENT,
    viewport: { width: 1360, height: 1000 },
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await sandbox?.close();
  removeStateDir(stateDir);
  fs.rmSync(userDataDir, { recursive: true, force: true });
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
      await expect.poll(() => page.getByRole("button", { name: "Save" }).count(), { timeout: 15_000 }).toBe(1);
      await page.getByLabel("Initiator name").fill("apiop_sandbox");
      await page.getByLabel("Initiator password").fill("Safaricom999!*!");
      await page.getByRole("button", { name: "Save" }).click();
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
});
