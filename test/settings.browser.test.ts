import fs from "node:fs";
import path from "node:path";
import { type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_INITIATOR_PASSWORD } from "../emulator/index";
import type { Sandbox } from "../scripts/sandbox/index";
import { ROOT } from "./support/databases";
import {
  removeStateDir,
  sandboxStateDir,
  startTestSandbox,
  launchTestBrowser,
  type TestBrowser,
} from "./sandbox.support";

// The settings page in headless Chromium against the whole sandbox (app, Daraja emulator, Shopify
// stand-in, the sandbox's App Bridge stand-in): set-up mistakes caught by Test connection, Save with
// errors taking the merchant to the field, the save bar and leave-page guard, the refunds account and
// its balance, and no secret in the page. Screenshots in test-artifacts/settings/.

const ARTIFACTS = path.join(ROOT, "test-artifacts", "settings");
const stateDir = sandboxStateDir("settings-browser");
let sandbox: Sandbox;
let browser: TestBrowser;
let context: BrowserContext;

const WRONG_PASSKEY = "0123456789abcdef".repeat(4);
// The sandbox's emulator checks initiator passwords: testapi's is the public sandbox one.
const INITIATOR_PASSWORD = SANDBOX_INITIATOR_PASSWORD;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startTestSandbox(stateDir);
  browser = await launchTestBrowser({ height: 900 });
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  removeStateDir(stateDir);
});

const shot = (page: Page, name: string, fullPage = false) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
const settingsUrl = () => sandbox.adminUrl.replace("/app?", "/app/settings?");
const visible = (page: Page, text: string | RegExp) => page.getByText(text).first().isVisible();

async function openSettings(page: Page) {
  await page.goto(settingsUrl());
  await expect.poll(() => page.getByRole("button", { name: "Save", exact: true }).count(), { timeout: 20_000 }).toBe(1);
}

describe("settings in a browser", () => {
  it(
    "Test connection catches a wrong passkey and a till typed as the store number, next to the form",
    { timeout: 120_000 },
    async () => {
      const page = await context.newPage();
      await openSettings(page);
      await shot(page, "01-settings", true);
      await page.getByRole("button", { name: "Edit", exact: true }).first().click();
      await page.getByLabel("Passkey (Lipa na M-PESA Online)").fill(WRONG_PASSKEY);
      await page.getByRole("button", { name: "Test connection" }).last().click();
      await expect
        .poll(() => visible(page, /refused this passkey for it: paybill 174379/), { timeout: 30_000 })
        .toBe(true);
      await expect
        .poll(() => visible(page, "Connection failed: fix the field marked in red"), { timeout: 10_000 })
        .toBe(true); // the toast
      // The passkey field itself is marked, and focused.
      expect(await visible(page, "Daraja sandbox refused this passkey for paybill 174379: check both.")).toBe(true);
      await expect
        .poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), { timeout: 10_000 })
        .toBe("passkey");
      expect(await page.getByLabel("Passkey (Lipa na M-PESA Online)").getAttribute("aria-invalid")).toBe("true");
      await shot(page, "02-wrong-passkey");

      // The till number typed where the store number goes (and the store number as the till).
      await page.getByLabel("Passkey (Lipa na M-PESA Online)").fill("");
      await page.getByText("Till number (Buy Goods)").click();
      await page.getByLabel("Store number (head office)").fill("174380");
      await page.getByLabel("Till number", { exact: true }).fill("174379");
      await page.getByRole("button", { name: "Test connection" }).last().click();
      await expect
        .poll(() => visible(page, /does not know this shortcode: store number 174380/), { timeout: 30_000 })
        .toBe(true);
      expect(await visible(page, /head office → store → till/)).toBe(true);
      expect(await page.getByLabel("Store number (head office)").getAttribute("aria-invalid")).toBe("true");
      expect(await page.getByLabel("Passkey (Lipa na M-PESA Online)").getAttribute("aria-invalid")).not.toBe("true");
      await shot(page, "03-till-as-store-number");

      // Leaving with these unsaved edits asks first.
      await page.getByRole("link", { name: "Payments", exact: true }).click();
      await expect.poll(() => visible(page, "Leave with unsaved changes?"), { timeout: 10_000 }).toBe(true);
      await shot(page, "04-leave-guard");
      await page.getByRole("button", { name: "Stay" }).click();
      expect(new URL(page.url()).pathname).toBe("/app/settings");
      await page.close();
    },
  );

  it(
    "Save with errors scrolls to and focuses the first field to fix; the save bar saves",
    { timeout: 120_000 },
    async () => {
      const page = await context.newPage();
      await openSettings(page);
      await page.getByLabel("Manual payment method name").fill("");
      await page.getByLabel("Initiator name").fill("has spaces");
      // With edits, the save bar is the Save button (the page's own one steps aside).
      await expect.poll(() => page.locator("ui-save-bar[data-showing]").count(), { timeout: 10_000 }).toBe(1);
      await shot(page, "05-save-bar");
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.locator("ui-save-bar").getByRole("button", { name: "Save" }).click();
      await expect
        .poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), { timeout: 15_000 })
        .toBe("paymentMethodName");
      const inView = await page.evaluate(() => {
        const r = document.activeElement!.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      });
      expect(inView).toBe(true);
      expect(await visible(page, "Enter the payment method name.")).toBe(true);
      await shot(page, "06-save-with-errors");

      await page.getByLabel("Manual payment method name").fill("Lipa na M-PESA");
      await page.getByLabel("Initiator name").fill("");
      await page.locator("ui-save-bar").getByRole("button", { name: "Save" }).click();
      await expect.poll(() => visible(page, "Settings saved"), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => page.locator("ui-save-bar[data-showing]").count(), { timeout: 10_000 }).toBe(0);
      await page.close();
    },
  );

  it(
    "the refunds account is saved and its test shows the balance M-PESA sends back; no secret is in the page",
    { timeout: 120_000 },
    async () => {
      const page = await context.newPage();
      await openSettings(page);
      await page.getByLabel("Shortcode refunds are paid from").fill("600000");
      await page.getByLabel("API operator (initiator) for refunds").fill("testapi");
      await page.getByLabel("Password of that operator").fill(INITIATOR_PASSWORD);
      await page.getByRole("button", { name: "Add refunds account" }).click();
      await expect.poll(() => visible(page, "Refunds account saved"), { timeout: 15_000 }).toBe(true);
      await shot(page, "07a-refunds-saved", true);
      await page.getByRole("button", { name: "Test refunds account" }).click();
      await expect.poll(() => visible(page, "Initiator works: balance received"), { timeout: 45_000 }).toBe(true);
      expect(await visible(page, /Utility Account: KES [\d,]+\.\d\d \(pays B2C refunds\)/)).toBe(true);
      await page.getByText("Initiator works: balance received").scrollIntoViewIfNeeded();
      await shot(page, "07-refunds-balance");
      await shot(page, "08-settings-full", true);

      // No secret anywhere in what the browser got: the rendered page and the loader's data.
      const html = await page.content();
      const data = await page.evaluate(async () =>
        (await fetch(location.pathname + "?_data=routes%2Fapp.settings")).text(),
      );
      for (const body of [html, data]) {
        expect(body).not.toContain(INITIATOR_PASSWORD);
        expect(body).not.toContain("bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"); // the passkey
        expect(body).not.toMatch(/"consumerSecret":"[^"]/);
      }
      expect(data).toContain('"disburseInitiatorName":"testapi"');
      await page.close();
    },
  );

  it(
    "the shop-wide initiator, once saved, is tested by the balance of the default account",
    { timeout: 120_000 },
    async () => {
      const page = await context.newPage();
      await openSettings(page);
      await page.getByLabel("Initiator name").fill("testapi");
      await page.getByLabel("Initiator password").fill(INITIATOR_PASSWORD);
      // Unsaved: the test would not test what is typed, so save first.
      await page.locator("ui-save-bar").getByRole("button", { name: "Save" }).click();
      await expect.poll(() => visible(page, "Settings saved"), { timeout: 15_000 }).toBe(true);
      const answers = page.getByText("Initiator works: balance received");
      const before = await answers.count();
      await page.getByRole("button", { name: "Test initiator" }).click();
      await expect.poll(() => answers.count(), { timeout: 45_000 }).toBe(before + 1);
      await page.getByRole("button", { name: "Test initiator" }).scrollIntoViewIfNeeded();
      await shot(page, "09-shop-initiator-balance");
      expect(await visible(page, /Utility Account: KES [\d,]+\.\d\d/)).toBe(true);
      expect(await page.content()).not.toContain(INITIATOR_PASSWORD);
      await page.close();
    },
  );
});
