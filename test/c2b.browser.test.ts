import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { DEMO_SHOP } from "../app/modules/sandbox/demo";
import type { Sandbox } from "../scripts/sandbox/index";
import { c2bBody, registerC2b, type C2bUrls } from "./support/c2b";
import { ROOT } from "./support/databases";
import { eventually, postCallback } from "./support/payments-harness";
import {
  removeStateDir,
  sandboxStateDir,
  startTestSandbox,
  launchTestBrowser,
  type TestBrowser,
} from "./sandbox.support";

// The merchant's unmatched-payments queue (/app/payments/unmatched, issue 11) in headless Chromium
// against the whole sandbox: a paybill payment typed with a reference no order has waits in the queue;
// the merchant searches the order by name and applies it (the order turns paid in Shopify), marks
// another "not an order payment" with a note, and both acts appear in the audit trail.
// Screenshots: test-artifacts/c2b/.

const ARTIFACTS = path.join(ROOT, "test-artifacts", "c2b");
const stateDir = sandboxStateDir("c2b-browser");
let sandbox: Sandbox;
let browser: TestBrowser;
let context: BrowserContext;
let db: PrismaClient;
let urls: C2bUrls;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startTestSandbox(stateDir);
  db = createPrismaClient(process.env.DATABASE_URL);
  urls = await registerC2b(db, sandbox.appUrl, DEMO_SHOP);
  browser = await launchTestBrowser();
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await db?.$disconnect();
  removeStateDir(stateDir);
});

async function shopifyOrder(id: string) {
  const res = await fetch(`${sandbox.standinUrl}/__standin/orders/${encodeURIComponent(id)}`);
  return (await res.json()).order as { displayFinancialStatus: string; tags: string[] };
}

describe("the unmatched paybill payments queue in a browser", () => {
  it("applies a payment to the order found by name, dismisses another, audited", { timeout: 90_000 }, async () => {
    const order = sandbox.orders[0];
    const total = Number(order.total).toFixed(2);
    const typo = c2bBody({ BusinessShortCode: urls.shortCode, TransAmount: total, BillRefNumber: "MY ORDER" });
    const gift = c2bBody({ BusinessShortCode: urls.shortCode, TransAmount: "250.00", BillRefNumber: "SCHOOL FEES" });
    expect((await postCallback(urls.confirmation, typo)).status).toBe(200);
    expect((await postCallback(urls.confirmation, gift)).status).toBe(200);
    for (const b of [typo, gift])
      await eventually(() => db.c2bPayment.findFirst({ where: { receipt: b.TransID, status: "UNMATCHED" } }), "queued");

    const page = await context.newPage();
    // The home page says so and leads to the queue.
    await page.goto(sandbox.adminUrl);
    await expect
      .poll(() => page.getByText("2 paybill payments wait to be matched").count(), { timeout: 15_000 })
      .toBe(1);
    await page.getByRole("link", { name: "Match payments" }).click();
    await expect.poll(() => page.getByText(typo.TransID, { exact: false }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.getByText("No order has this account number").count()).toBe(2);
    await page.screenshot({ path: path.join(ARTIFACTS, "01-queue.png"), fullPage: true });

    // Search the order by its name in the first payment's card, then apply.
    const card = page.locator(".Polaris-Card, .Polaris-ShadowBevel").filter({ hasText: typo.TransID }).first();
    await card.getByLabel(/Find the order/).fill(order.name);
    await card.getByRole("button", { name: "Search orders" }).click();
    const apply = page.getByRole("button", { name: `Apply to ${order.name}` });
    await expect.poll(() => apply.count(), { timeout: 15_000 }).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, "02-search.png"), fullPage: true });
    await apply.click();
    await expect.poll(() => page.getByText(`is being applied to ${order.name}`).count(), { timeout: 15_000 }).toBe(1);
    await eventually(() => db.c2bPayment.findFirst({ where: { receipt: typo.TransID, status: "APPLIED" } }), "applied");
    expect((await shopifyOrder(order.id)).displayFinancialStatus).toBe("PAID");
    expect((await shopifyOrder(order.id)).tags).toContain(`mpesa:${typo.TransID}`);

    // The other one: not an order payment, with a note.
    const other = page.locator(".Polaris-Card, .Polaris-ShadowBevel").filter({ hasText: gift.TransID }).first();
    await other.getByLabel(/^Note/).fill("School fees, not a shop order");
    await other.getByRole("button", { name: "Not an order payment" }).click();
    await expect.poll(() => page.getByText(`marked "not an order payment"`).count(), { timeout: 15_000 }).toBe(1);
    // A fresh load of the page (an embedded app's address carries the shop's parameters).
    await page.goto(sandbox.adminUrl.replace("/app?", "/app/payments/unmatched?"));
    await expect.poll(() => page.getByText("Nothing to match").count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.getByText("Applied to order").count()).toBe(1);
    await expect.poll(() => page.getByText("School fees, not a shop order").count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, "03-audited.png"), fullPage: true });

    const audit = await db.c2bAuditEntry.findMany({ where: { shopDomain: DEMO_SHOP }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["apply", "dismiss"]);
    expect(audit[0].actor).toMatch(/staff user \S+/);
    expect(await db.c2bPayment.findUniqueOrThrow({ where: { receipt: typo.TransID } })).toMatchObject({
      status: "APPLIED",
      matchRule: "manual",
      orderGid: order.id,
    });
    await page.close();
  });
});
