import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { DEMO_SHOP } from "../app/modules/sandbox/demo";
import { eatDay } from "../app/modules/reconciliation/run/schedule.server";
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

// The reconciliation report (/app/reconciliation) in headless Chromium against the whole sandbox
// (app, emulator, Shopify stand-in and the local SMTP mailbox): a paybill payment naming no order and an
// over-payment applied to an order by the app's own flow are reconciled on demand; the report shows both
// with their actions, one is marked handled with a note, the CSV downloads, the alert mail reaches the
// sandbox mailbox and its page shows it. Screenshots: test-artifacts/reconciliation/.

const ARTIFACTS = path.join(ROOT, "test-artifacts", "reconciliation");
const stateDir = sandboxStateDir("recon-browser");
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
  browser = await launchTestBrowser({ acceptDownloads: true });
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await db?.$disconnect();
  removeStateDir(stateDir);
});

type Mail = { subject: string; text: string; envelopeTo: string[] };
async function mails(): Promise<Mail[]> {
  return ((await (await fetch(`${sandbox.mailboxUrl}/messages`)).json()) as { messages: Mail[] }).messages;
}

describe("the reconciliation report in a browser", () => {
  it(
    "runs on demand, shows mismatches with actions, marks one handled, downloads the CSV, mails",
    { timeout: 120_000 },
    async () => {
      const order = sandbox.orders[1];
      const stray = c2bBody({
        BusinessShortCode: urls.shortCode,
        TransAmount: "640.00",
        BillRefNumber: "NOBODY KNOWS",
      });
      const over = c2bBody({
        BusinessShortCode: urls.shortCode,
        TransAmount: (Number(order.total) + 100).toFixed(2),
        BillRefNumber: order.name,
      });
      expect((await postCallback(urls.confirmation, stray)).status).toBe(200);
      expect((await postCallback(urls.confirmation, over)).status).toBe(200);
      await eventually(
        () => db.c2bPayment.findFirst({ where: { receipt: stray.TransID, status: "UNMATCHED" } }),
        "queued",
      );
      await eventually(
        () => db.c2bPayment.findFirst({ where: { receipt: over.TransID, status: "APPLIED", surplusKes: 100 } }),
        "applied with its surplus flagged",
        30_000,
      );

      const page = await context.newPage();
      await page.goto(sandbox.adminUrl.replace("/app?", "/app/reconciliation?"));
      // The worker's daily sweep has already reconciled yesterday (the default time, 06:00 EAT, has passed
      // unless the test runs just after midnight): nothing happened then.
      await expect.poll(() => page.getByText("Run now").count(), { timeout: 20_000 }).toBe(1);
      await page.screenshot({ path: path.join(ARTIFACTS, "01-start.png"), fullPage: true });

      // Bad input first: a window whose last day comes before its first.
      const today = eatDay(new Date()).label;
      await page.getByLabel("First day").fill(today);
      await page.getByLabel("Last day").fill("2020-01-01");
      await page.getByRole("button", { name: "Reconcile" }).click();
      await expect.poll(() => page.getByText("Choose the first and last day").count(), { timeout: 15_000 }).toBe(1);

      await page.getByLabel("Last day").fill(today);
      await page.getByRole("button", { name: "Reconcile" }).click();
      await expect
        .poll(() => page.getByText("Reconciled: 2 mismatches, 2 need attention.").count(), { timeout: 30_000 })
        .toBe(1);
      await expect.poll(() => page.getByText("2 need attention").count()).toBeGreaterThan(0);
      await expect.poll(() => page.getByText(stray.TransID, { exact: false }).count()).toBeGreaterThan(0);
      await expect.poll(() => page.getByText(over.TransID, { exact: false }).count()).toBeGreaterThan(0);
      await expect.poll(() => page.getByText("No imported statement covers this window").count()).toBe(1);
      expect(await page.getByRole("link", { name: "Apply to order" }).count()).toBe(1);
      expect(await page.getByRole("link", { name: "Refund" }).count()).toBe(1);
      await page.screenshot({ path: path.join(ARTIFACTS, "02-report.png"), fullPage: true });

      // The alert reaches the sandbox's SMTP server (the app's worker sends it).
      await expect.poll(async () => (await mails()).length, { timeout: 30_000 }).toBe(1);
      const [mail] = await mails();
      expect(mail.envelopeTo).toEqual(["operations@demo-shop.example"]);
      expect(mail.subject).toContain("2 mismatches need attention");
      expect(mail.text).toContain(stray.TransID);
      expect(mail.text).toContain(over.TransID);

      // Mark the stray payment handled: a note is required.
      const card = page.locator(".Polaris-Card, .Polaris-ShadowBevel").filter({ hasText: stray.TransID }).first();
      await card.getByRole("button", { name: "Mark handled" }).click();
      await expect.poll(() => page.getByText("a note is required").count(), { timeout: 15_000 }).toBe(1);
      await card.getByPlaceholder("How it was handled").fill("Rent from the tenant, not a shop order");
      await card.getByRole("button", { name: "Mark handled" }).click();
      await expect.poll(() => page.getByText(/Handled .* by staff user/).count(), { timeout: 15_000 }).toBe(1);
      await expect.poll(() => page.getByText("1 need attention").count()).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(ARTIFACTS, "03-handled.png"), fullPage: true });

      // The CSV of the report.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Download CSV" }).click(),
      ]);
      const csv = fs.readFileSync((await download.path())!, "utf8");
      expect(csv.split("\r\n")[0]).toContain("kind,severity,receipt,order");
      expect(csv).toContain(stray.TransID);
      expect(csv).toContain("Rent from the tenant, not a shop order");

      // Handled: its action is gone; the over-payment's refund leads to the queue's over-payments.
      expect(await page.getByRole("link", { name: "Apply to order" }).count()).toBe(0);
      await page.getByRole("link", { name: "Refund" }).click();
      await expect
        .poll(() => page.getByText("Unmatched paybill payments").count(), { timeout: 15_000 })
        .toBeGreaterThan(0);
      await page.screenshot({ path: path.join(ARTIFACTS, "04-refund-link.png"), fullPage: true });

      // The sandbox's mail page shows what was sent.
      const mailPage = await context.newPage();
      await mailPage.goto(`${sandbox.appUrl}/sandbox/mail`);
      await expect
        .poll(() => mailPage.getByText("2 mismatches need attention", { exact: false }).count(), { timeout: 15_000 })
        .toBe(1);
      await mailPage.screenshot({ path: path.join(ARTIFACTS, "05-sandbox-mail.png"), fullPage: true });

      const handled = await db.reconciliationHandled.findMany({ where: { shopDomain: DEMO_SHOP } });
      expect(handled).toHaveLength(1);
      expect(handled[0]).toMatchObject({ itemKey: `UNMATCHED_CREDIT:${stray.TransID}` });
      expect(handled[0].actor).toMatch(/staff user \S+/);
      await page.close();
      await mailPage.close();
    },
  );
});
