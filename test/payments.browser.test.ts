import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import Papa from "papaparse";
import { type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { DEMO_SHOP } from "../app/modules/sandbox/demo";
import type { Sandbox } from "../scripts/sandbox/index";
import { ROOT } from "./support/databases";
import { stkCallbackBody } from "./support/payments-harness";
import {
  removeStateDir,
  sandboxStateDir,
  startTestSandbox,
  launchTestBrowser,
  type TestBrowser,
} from "./sandbox.support";

// The merchant's Payments page (/app/payments) and a payment's page in headless Chromium against the
// whole sandbox: the list by order, filtered (search, status tab) and totalled; the CSV export of the
// filtered set has as many rows as the totals say; the charts draw; the callback log opens and a
// stored callback is replayed. Screenshots: test-artifacts/payments/.

const ARTIFACTS = path.join(ROOT, "test-artifacts", "payments");
const stateDir = sandboxStateDir("payments-browser");
let sandbox: Sandbox;
let browser: TestBrowser;
let context: BrowserContext;
let db: PrismaClient;
const ids: Record<string, string> = {};

const HOUR = 3_600_000;
let seq = 0;
async function attempt(data: { order: string; status: string; hoursAgo: number; [k: string]: unknown }) {
  const { order, hoursAgo, ...rest } = data;
  const i = seq++;
  return db.paymentAttempt.create({
    data: {
      shopDomain: DEMO_SHOP,
      orderGid: `gid://shopify/Order/9${order}`,
      orderName: `#B${order}`,
      amountKes: 1500,
      msisdn: `25471234${String(1000 + i)}`,
      environment: "sandbox",
      callbackTokenHash: `browser-token-${i}`,
      createdAt: new Date(Date.now() - hoursAgo * HOUR),
      ...rest,
    },
  });
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startTestSandbox(stateDir);
  db = createPrismaClient(process.env.DATABASE_URL);
  const paid = await attempt({
    order: "1001",
    status: "SUCCEEDED",
    hoursAgo: 2,
    mpesaReceipt: "BRW1001AAA",
    checkoutRequestId: "ws_CO_B1001",
  });
  ids.paid = paid.id;
  await attempt({ order: "1002", status: "CANCELLED", hoursAgo: 30, resultCode: "1032" });
  await attempt({ order: "1002", status: "SUCCEEDED", hoursAgo: 29, mpesaReceipt: "BRW1002AAA", amountKes: 2500 });
  await attempt({
    order: "1003",
    status: "NEEDS_REVIEW",
    hoursAgo: 50,
    reviewCode: "RECEIPT_UNKNOWN",
    checkoutRequestId: "ws_CO_B1003",
  });
  await attempt({ order: "1004", status: "FAILED", hoursAgo: 75, failureStage: "stk_push_request" });
  await db.c2bPayment.create({
    data: {
      receipt: "BRWC2B0001",
      shopDomain: DEMO_SHOP,
      shortCode: "600000",
      transactionType: "Buy Goods",
      amountText: "300.00",
      amountKes: 300,
      billRefRaw: "=1+1",
      billRefKey: "11",
      transTime: new Date(Date.now() - 5 * HOUR),
      status: "UNMATCHED",
      reason: "UNKNOWN_REFERENCE",
    },
  });
  await db.callbackLog.create({
    data: {
      kind: "STK",
      path: "/daraja/stk/:token",
      tokenHash: "browser-token-0",
      sourceIp: "196.201.214.200",
      headers: "{}",
      body: JSON.stringify(stkCallbackBody("ws_CO_B1001", { receipt: "BRW1001AAA" })),
      attemptId: paid.id,
      shopDomain: DEMO_SHOP,
      status: "PROCESSED",
      processedAt: new Date(),
    },
  });
  browser = await launchTestBrowser({ acceptDownloads: true });
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await db?.$disconnect();
  removeStateDir(stateDir);
});

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const adminPage = (p: string) => sandbox.adminUrl.replace("/app?", `${p}?`);
const totalPayments = async (page: Page) =>
  Number((await page.getByTestId("total-payments").innerText()).replace(/,/g, ""));

describe("the Payments page in a browser", () => {
  it("lists by order, filters, totals, exports what is shown, and draws the charts", { timeout: 120_000 }, async () => {
    const page = await context.newPage();
    await page.goto(adminPage("/app/payments"));
    await expect.poll(() => page.getByText("#B1002").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    // 5 prompts and 1 till payment; #B1002 is one order with its two prompts.
    expect(await totalPayments(page)).toBe(6);
    expect(await page.getByTestId("total-orders").innerText()).toBe("5");
    expect(await page.getByTestId("total-received").innerText()).toBe("KES 4,300");
    const table = page.getByTestId("payments-table");
    await expect.poll(() => table.getByText("Cancelled by the customer").count()).toBe(1);
    expect(await table.getByText("M-PESA refused the payment request (nothing reached the phone)").count()).toBe(1);
    expect(await page.content()).not.toMatch(/RECEIPT_UNKNOWN|UNKNOWN_REFERENCE|stk_push_request|Failed at/);
    // The order opens the stand-in's order in the sandbox.
    const href = await page.getByRole("link", { name: "#B1001" }).getAttribute("href");
    expect(href).toBe(`${sandbox.standinUrl}/__standin/orders/${encodeURIComponent("gid://shopify/Order/91001")}`);
    await shot(page, "01-list");

    // Search by receipt (any case): one order.
    await page.locator('button[aria-label^="Search and filter"]').first().click();
    await page.getByPlaceholder("Search receipt, phone, order or amount").fill("brw1002aaa");
    await expect.poll(() => totalPayments(page), { timeout: 15_000 }).toBe(1);
    expect(page.url()).toContain("q=brw1002aaa");
    await shot(page, "02-searched");
    await page.getByPlaceholder("Search receipt, phone, order or amount").fill("");
    await expect.poll(() => totalPayments(page), { timeout: 15_000 }).toBe(6);
    await page.getByRole("button", { name: "Cancel" }).click();

    // The "Needs review" tab: the prompt to check and the till payment no order matched.
    await page.getByRole("tab", { name: "Needs review" }).click();
    await expect.poll(() => totalPayments(page), { timeout: 15_000 }).toBe(2);
    await expect
      .poll(() =>
        page.getByTestId("payments-table").getByText("Safaricom says paid, but no receipt has arrived").count(),
      )
      .toBe(1);
    await shot(page, "03-needs-review");

    // The export of the filtered set: as many rows as the total, the formula defused.
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 30_000 }),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const file = path.join(ARTIFACTS, "needs-review.csv");
    await download.saveAs(file);
    const rows = Papa.parse<string[]>(
      fs
        .readFileSync(file, "utf8")
        .replace(/^\uFEFF/, "")
        .trimEnd(),
    ).data;
    expect(rows.length - 1).toBe(await totalPayments(page));
    expect(rows.find((r) => r[7] === "BRWC2B0001")?.[9]).toBe("'=1+1");

    // The charts draw (polaris-viz, in the browser).
    await page.getByRole("tab", { name: "All" }).click();
    await expect.poll(() => totalPayments(page), { timeout: 15_000 }).toBe(6);
    for (const chart of ["chart-volume", "chart-count", "chart-outcomes"])
      await expect
        .poll(() => page.locator(`[data-testid=${chart}] svg`).count(), { timeout: 20_000 })
        .toBeGreaterThan(0);
    expect(await page.getByTestId("charts-summary").innerText()).toContain(
      "KES 4,300 received in 3 payments; 40% of 5 finished prompts were paid",
    );
    await page.getByTestId("chart-volume").scrollIntoViewIfNeeded();
    await shot(page, "04-charts");
    await page.close();
  });

  it("opens the callback log and replays a stored callback without paying twice", { timeout: 90_000 }, async () => {
    const page = await context.newPage();
    await page.goto(adminPage(`/app/payments/${ids.paid}`));
    await expect.poll(() => page.getByText("Messages from Safaricom").count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByText('"CheckoutRequestID"').isVisible()).toBe(false);
    await page.getByRole("button", { name: "Show the message" }).click();
    await expect
      .poll(() => page.getByText('"CheckoutRequestID": "ws_CO_B1001"').isVisible(), { timeout: 5_000 })
      .toBe(true);
    expect(await page.content()).not.toContain("254712341000");
    await shot(page, "05-callback-log");
    await page.getByRole("button", { name: "Replay" }).click();
    await expect
      .poll(() => page.getByText(/Replay queued. This payment is already paid/).count(), { timeout: 15_000 })
      .toBe(1);
    await expect
      .poll(
        async () => (await db.callbackLog.findMany({ where: { attemptId: ids.paid } })).map((r) => r.status).sort(),
        { timeout: 20_000 },
      )
      .toEqual(["PROCESSED", "PROCESSED"]);
    expect(await db.paymentAttempt.findUniqueOrThrow({ where: { id: ids.paid } })).toMatchObject({
      status: "SUCCEEDED",
      mpesaReceipt: "BRW1001AAA",
    });
    await page.reload();
    await expect.poll(() => page.getByText(/Replay of the message of/).count(), { timeout: 20_000 }).toBe(1);
    await shot(page, "06-replayed");
    await page.close();
  });
});
