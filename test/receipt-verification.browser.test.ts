import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import type { Sandbox } from "../scripts/sandbox/index";
import { ROOT } from "./support/databases";
import { eventually } from "./support/payments-harness";
import {
  removeStateDir,
  sandboxStateDir,
  startTestSandbox,
  launchTestBrowser,
  type TestBrowser,
} from "./sandbox.support";

// "Verify a payment by M-PESA code" (/app/payments/verify, issue 11 part 5) in headless Chromium against
// the whole sandbox: a paybill payment whose confirmation was lost; the merchant tries a phone number
// (refused, with its words), then the real code: "Verifying…", then applied, the order paid in Shopify.
// Screenshots: test-artifacts/verify/.

const ARTIFACTS = path.join(ROOT, "test-artifacts", "verify");
const stateDir = sandboxStateDir("verify-browser");
let sandbox: Sandbox;
let browser: TestBrowser;
let context: BrowserContext;
let db: PrismaClient;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startTestSandbox(stateDir);
  db = createPrismaClient(process.env.DATABASE_URL);
  browser = await launchTestBrowser();
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await db?.$disconnect();
  removeStateDir(stateDir);
});

describe("verify a payment by M-PESA code in a browser", () => {
  it("refuses a phone number, then verifies the real code and the order turns paid", { timeout: 90_000 }, async () => {
    const order = sandbox.orders[1];
    const res = await fetch(`${sandbox.appUrl}/sandbox/paybill`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ orderGid: order.id, amount: "full", billRef: "WRONG", lost: true }),
    });
    const sent = await res.json();
    expect(res.status).toBe(200);
    const receipt = sent.result.transId as string;

    const page = await context.newPage();
    await page.goto(sandbox.adminUrl.replace("/app?", "/app/payments/unmatched?"));
    await page.getByRole("link", { name: "Verify a payment by M-PESA code" }).click();
    await expect.poll(() => page.getByLabel("M-PESA code").count(), { timeout: 15_000 }).toBe(1);

    await page.getByLabel("M-PESA code").fill("0712345678");
    await page.getByLabel("Order").fill(order.name);
    await page.getByRole("button", { name: "Verify and apply" }).click();
    await expect.poll(() => page.getByText("looks like a phone number").count(), { timeout: 15_000 }).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, "01-phone-refused.png"), fullPage: true });

    await page.getByLabel("M-PESA code").fill(receipt.toLowerCase());
    await page.getByRole("button", { name: "Verify and apply" }).click();
    await expect
      .poll(() => page.getByText(`Verifying ${receipt} with Safaricom`).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    // The page revalidates until the outcome.
    await expect.poll(() => page.getByText(`is recorded on ${order.name}`).count(), { timeout: 30_000 }).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, "02-applied.png"), fullPage: true });
    const payment = await eventually(
      () => db.c2bPayment.findFirst({ where: { receipt, status: "APPLIED" } }),
      "applied",
    );
    expect(payment).toMatchObject({ matchRule: "verified", orderGid: order.id });
    const shopify = await fetch(`${sandbox.standinUrl}/__standin/orders/${encodeURIComponent(order.id)}`).then((r) =>
      r.json(),
    );
    expect(shopify.order.displayFinancialStatus).toBe("PAID");
    await page.close();
  });
});
