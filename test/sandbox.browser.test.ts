import fs from "node:fs";
import path from "node:path";
import { type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../scripts/sandbox/index";
import { ROOT } from "./support/databases";
import { SANDBOX_PASSKEY } from "./settings.fixtures";
import {
  removeStateDir,
  sandboxStateDir,
  startTestSandbox,
  launchTestBrowser,
  type TestBrowser,
} from "./sandbox.support";

// The sandbox page driven in headless Chromium (Debian's package: bash .ci/install-chromium.sh),
// against the whole sandbox started as `npm run sandbox` starts it. Screenshots are kept in
// test-artifacts/sandbox/ for a person to look at.

const ARTIFACTS = path.join(ROOT, "test-artifacts", "sandbox");

const stateDir = sandboxStateDir("browser");
let sandbox: Sandbox;
let browser: TestBrowser;
let context: BrowserContext;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startTestSandbox(stateDir);
  browser = await launchTestBrowser();
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  removeStateDir(stateDir);
});

async function openSandbox(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(sandbox.sandboxUrl);
  await expect.poll(() => page.getByRole("button", { name: /^Pay KES/ }).count(), { timeout: 15_000 }).toBe(1);
  await expect.poll(() => page.getByText("Daraja requests").count(), { timeout: 15_000 }).toBe(1); // the live panel
  return page;
}

async function pay(page: Page, orderName: string, answer: string) {
  await page.getByText(orderName, { exact: true }).click(); // as a person does: the label (Polaris hides the input)
  await expect.poll(() => page.getByLabel(new RegExp(orderName)).isChecked()).toBe(true);
  await page.getByLabel("How the phone answers (emulator)").selectOption(answer);
  await page.getByRole("button", { name: /^Pay KES/ }).click();
}

async function shopifyOrder(name: string) {
  const order = sandbox.orders.find((o) => o.name === name)!;
  const res = await fetch(`${sandbox.standinUrl}/__standin/orders/${encodeURIComponent(order.id)}`);
  return (await res.json()).order as { displayFinancialStatus: string; tags: string[] };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

describe("the sandbox page in a browser", () => {
  it("takes a payment and the order turns paid in Shopify", { timeout: 90_000 }, async () => {
    const page = await openSandbox();
    await shot(page, "01-ready");
    await pay(page, "#1002", "pay");
    await expect.poll(() => page.getByText("Payment received").count(), { timeout: 30_000 }).toBe(1);
    const receipt = await page.getByText(/^M-PESA receipt: [A-Z0-9]{10}$/).textContent();

    await expect
      .poll(async () => (await shopifyOrder("#1002")).displayFinancialStatus, { timeout: 30_000 })
      .toBe("PAID");
    expect((await shopifyOrder("#1002")).tags).toContain(`mpesa:${receipt!.replace("M-PESA receipt: ", "")}`);
    // The panel underneath shows the STK Push Daraja received, the stored callback and the Shopify mutation.
    await expect.poll(() => page.getByText("OrderMarkAsPaid").count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.getByText(/POST \/mpesa\/stkpush\/v1\/processrequest/).count()).toBeGreaterThan(0);
    expect(await page.getByText("ResultCode 0").count()).toBeGreaterThan(0);
    const orderChoice = page.locator("label", { hasText: "#1002" });
    await expect.poll(() => orderChoice.getByText("paid", { exact: true }).count(), { timeout: 10_000 }).toBe(1);
    await page.getByText("ResultCode 0").first().click(); // unfold the raw callback as stored
    await shot(page, "02-paid");
    await page.close();
  });

  it("shows a cancel with Retry, and the retry pays", { timeout: 90_000 }, async () => {
    const page = await openSandbox();
    await pay(page, "#1003", "cancel");
    await expect.poll(() => page.getByText("Payment cancelled").count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByText("The M-PESA request was cancelled on your phone. You can try again.").count()).toBe(1);
    expect((await shopifyOrder("#1003")).displayFinancialStatus).toBe("PENDING");
    await shot(page, "03-cancelled");

    await page.getByLabel("How the phone answers (emulator)").selectOption("pay");
    await page.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => page.getByText("Payment received").count(), { timeout: 30_000 }).toBe(1);
    await expect
      .poll(async () => (await shopifyOrder("#1003")).displayFinancialStatus, { timeout: 30_000 })
      .toBe("PAID");
    await shot(page, "04-retried-paid");
    await page.close();
  });

  it(
    "pays by paybill from the M-PESA menu: a part payment typed with zeros, then a reference naming no order reaches the merchant's queue",
    { timeout: 90_000 },
    async () => {
      const page = await openSandbox();
      await page.getByText("#1004", { exact: true }).click();
      await expect.poll(() => page.getByLabel(/#1004/).isChecked()).toBe(true);
      // The instructions as the checkout block shows them, then the menu.
      await expect
        .poll(() => page.getByText("Paybill 174379, account 1004, amount KES 12,750").count(), { timeout: 15_000 })
        .toBe(1);
      expect(await page.getByLabel("Account number (typed by hand)").inputValue()).toBe("1004");
      await page.getByLabel("Amount", { exact: true }).selectOption("part");
      await page.getByLabel("How the customer types it (emulator)").selectOption("leading_zeros");
      await shot(page, "08-paybill-menu");
      await page.getByRole("button", { name: "Send from the M-PESA menu" }).click();
      await expect
        .poll(() => page.getByText(/confirmed, KES 6,375 sent to 174379/).count(), { timeout: 15_000 })
        .toBe(1);
      await expect
        .poll(async () => (await shopifyOrder("#1004")).displayFinancialStatus, { timeout: 30_000 })
        .toBe("PARTIALLY_PAID");
      // The block now shows what is left, and the paybill amount follows.
      await expect
        .poll(() => page.getByText("KES 6,375 received. Remaining: KES 6,375.").count(), { timeout: 15_000 })
        .toBe(1);
      await expect.poll(() => page.getByText("C2B_CONFIRMATION").count(), { timeout: 15_000 }).toBeGreaterThan(0);
      await shot(page, "09-paybill-partly-paid");

      // A reference that names no order: the money arrives, the order stays as it was, the merchant sorts it.
      await page.getByLabel("Account number (typed by hand)").fill("WRONG-77");
      await page.getByLabel("How the customer types it (emulator)").selectOption("none");
      await page.getByLabel("Amount", { exact: true }).selectOption("full");
      await page.getByRole("button", { name: "Send from the M-PESA menu" }).click();
      await expect
        .poll(() => page.getByText(/confirmed, KES 6,375 sent to 174379/).count(), { timeout: 15_000 })
        .toBe(1);
      const queue = await context.newPage();
      await queue.goto(sandbox.adminUrl.replace("/app?", "/app/payments/unmatched?"));
      await expect.poll(() => queue.getByText("WRONG-77").count(), { timeout: 30_000 }).toBeGreaterThan(0);
      await shot(queue, "10-unmatched-queue");
      expect((await shopifyOrder("#1004")).displayFinancialStatus).toBe("PARTIALLY_PAID");
      await queue.close();
      await page.close();
    },
  );

  it("opens the merchant's settings page without the Shopify admin, and saves it", { timeout: 60_000 }, async () => {
    const page = await context.newPage();
    await page.goto(sandbox.adminUrl.replace("/app?", "/app/settings?"));
    const save = page.getByRole("button", { name: "Save", exact: true });
    await expect.poll(() => save.count(), { timeout: 15_000 }).toBe(1);
    await page.getByLabel("Manual payment method name").fill("M-PESA");
    await save.click();
    await expect.poll(() => page.getByText("Settings saved").count(), { timeout: 15_000 }).toBe(1);
    await shot(page, "05-merchant-settings-saved");
    // "Test connection" reaches the Daraja emulator with the stored (sealed) sandbox credentials.
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect.poll(() => page.getByText("Connection works").count(), { timeout: 15_000 }).toBe(1);
    await shot(page, "05b-connection-works");
    // A till beside the paybill: the form says which number goes where; Test connection checks the store
    // number with its passkey; saved, it is listed; Register URLs reaches the emulator.
    await page.getByRole("button", { name: "Add an account" }).click();
    await page.getByText("Till number (Buy Goods)", { exact: true }).click();
    await page.getByLabel("Name (optional)").fill("Westlands till");
    await page.getByLabel("Store number (head office)").fill("174379");
    await page.getByLabel("Till number", { exact: true }).fill("174380");
    await page.getByLabel("Consumer key").fill("emulator-consumer-key");
    await page.getByLabel("Consumer secret").fill("emulator-consumer-secret");
    await page.getByLabel("Passkey (Lipa na M-PESA Online)").fill(SANDBOX_PASSKEY);
    await shot(page, "06-add-till");
    await page.getByRole("button", { name: "Test connection" }).last().click();
    await expect
      .poll(() => page.getByText(/and store number 174379 with this passkey/).count(), { timeout: 15_000 })
      .toBe(1);
    await page.getByRole("button", { name: "Save account" }).click();
    await expect.poll(() => page.getByText("M-PESA account saved").count(), { timeout: 15_000 }).toBe(1);
    // The list is reloaded after the action's answer: wait for it.
    await expect
      .poll(() => page.getByText("Till 174380 · store 174379", { exact: false }).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await page.getByRole("button", { name: "Register URLs" }).last().click();
    await expect.poll(() => page.getByText("C2B URLs registered").count(), { timeout: 15_000 }).toBe(1);
    await shot(page, "07-accounts-registered");
    // Removing asks once more.
    await page.getByRole("button", { name: "Remove", exact: true }).last().click();
    await page.getByRole("button", { name: /^Remove it/ }).click();
    await expect.poll(() => page.getByText("M-PESA account removed").count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.getByText("Westlands till").count(), { timeout: 15_000 }).toBe(0);
    // Client-side navigation keeps working: App Bridge's stand-in adds the session token to data requests.
    await page.getByRole("link", { name: "Home", exact: true }).click();
    await expect.poll(() => page.getByRole("link", { name: "Edit settings" }).count(), { timeout: 15_000 }).toBe(1);
    await page.close();
  });
});
