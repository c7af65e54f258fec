import fs from "node:fs";
import path from "node:path";
import { type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../scripts/sandbox/index";
import { loadOrCreateSecrets } from "../scripts/sandbox/secrets";
import { createPrismaClient } from "../app/lib/prisma.server";
import { createSecretBox } from "../app/modules/settings/secret-box.server";
import { findShopSetup, saveSettings, storedSecretsOf } from "../app/modules/settings/repository.server";
import { validateSettings } from "../app/modules/settings/validation";
import { DEMO_SETTINGS_FORM, DEMO_SHOP } from "../app/modules/sandbox/demo";
import { ROOT } from "./support/databases";
import {
  removeStateDir,
  sandboxStateDir,
  startTestSandbox,
  launchTestBrowser,
  type TestBrowser,
} from "./sandbox.support";

// The merchant's Home page and the sandbox page in headless Chromium, against the whole sandbox:
// the health banners (a wrong passkey; the emulator no longer sending callbacks), the checklist done
// from evidence, the sandbox page's fixes, and the load figures of Home and Payments (Built for
// Shopify's bar: LCP ≤ 2.5 s, CLS ≤ 0.1, INP ≤ 200 ms). Screenshots in test-artifacts/home/.

const ARTIFACTS = path.join(ROOT, "test-artifacts", "home");

const stateDir = sandboxStateDir("home");
let sandbox: Sandbox;
let browser: TestBrowser;
let context: BrowserContext;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // A prompt with no callback is asked about after 2 s (not 90): the "callbacks stopped" case settles fast.
  sandbox = await startTestSandbox(stateDir, {
    appEnv: { PENDING_RECOVERY_AFTER_SECONDS: "2", PENDING_RECOVERY_INTERVAL_SECONDS: "1" },
  });
  browser = await launchTestBrowser();
  context = browser.context;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  removeStateDir(stateDir);
});

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const homeUrl = () => sandbox.adminUrl;
const paymentsUrl = () => sandbox.adminUrl.replace("/app?", "/app/payments?");

async function control(url: string, body: unknown = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}
/** Starts the demo over through the page's own route (as the Reset button does). */
const resetDemo = () => control(`${sandbox.appUrl}/sandbox/demo`, { do: "reset" });

async function openSandbox(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(sandbox.sandboxUrl);
  await expect.poll(() => page.getByRole("button", { name: /^Pay KES/ }).count(), { timeout: 20_000 }).toBe(1);
  await expect.poll(() => page.getByText("Daraja requests").count(), { timeout: 20_000 }).toBe(1);
  return page;
}

async function choose(page: Page, orderName: string) {
  await page.getByText(orderName, { exact: true }).click();
  await expect.poll(() => page.getByLabel(new RegExp(orderName)).isChecked(), { timeout: 15_000 }).toBe(true);
}

async function pay(page: Page, orderName: string, answer: string, phone = "0712 345 678") {
  await choose(page, orderName);
  await page.getByLabel("M-PESA phone number").fill(phone);
  await page.getByLabel("How the phone answers (emulator)").selectOption(answer);
  await page.getByRole("button", { name: /^(Pay KES|Retry)/ }).click();
}

/** Reloads Home until the banner titled `title` shows (the app settles payments in the background). */
async function homeWithBanner(title: string): Promise<Page> {
  const page = await context.newPage();
  await expect
    .poll(
      async () => {
        await page.goto(homeUrl());
        await page.getByText("Setup checklist").waitFor({ timeout: 15_000 });
        return page.getByText(title, { exact: true }).count();
      },
      { timeout: 90_000, interval: 1_000 },
    )
    .toBe(1);
  return page;
}

async function setDemoPasskey(passkey: string) {
  const db = createPrismaClient(sandbox.databaseUrl);
  try {
    const box = createSecretBox({ current: loadOrCreateSecrets(stateDir).encryptionKey });
    const result = validateSettings(
      { ...DEMO_SETTINGS_FORM, passkey },
      storedSecretsOf(await findShopSetup(db, DEMO_SHOP)),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    await saveSettings(db, box, DEMO_SHOP, result.value);
  } finally {
    await db.$disconnect();
  }
}

describe("Home: the integration's health", () => {
  it(
    "shows 'callbacks stopped' when the emulator stops sending callbacks, and the checklist done from evidence",
    { timeout: 180_000 },
    async () => {
      await resetDemo();
      const page = await openSandbox();
      await pay(page, "#1001", "pay"); // a callback arrives: the address worked until now
      await expect.poll(() => page.getByText("Payment received").count(), { timeout: 30_000 }).toBe(1);

      await control(`${sandbox.emulatorUrl}/__emulator/callbacks/stop`, { kinds: ["stk"] });
      try {
        const pushes = async () =>
          (
            (await (
              await fetch(`${sandbox.emulatorUrl}/__emulator/requests?path=/mpesa/stkpush/v1/processrequest`)
            ).json()) as unknown[]
          ).length;
        for (const order of ["#1002", "#1003", "#1004"]) {
          const before = await pushes();
          await pay(page, order, "pay");
          await expect.poll(pushes, { timeout: 20_000 }).toBe(before + 1); // Daraja accepted it
        }
        const home = await homeWithBanner("Payment results stopped reaching the app");
        expect(
          await home
            .getByText(/Daraja accepted the last 3 payment prompts but sent none of their results here/)
            .count(),
        ).toBe(1);
        expect(await home.getByRole("link", { name: "Check the callback address" }).count()).toBe(1);
        // The checklist: an M-PESA order arrived and the block (the sandbox page, through the same
        // routes) called the app; the callback address is local, which works here but not in production.
        const item = (title: RegExp) => home.locator("div", { has: home.getByText(title) }).last();
        expect(
          await item(/^Create the manual payment method/)
            .getByText("Done", { exact: true })
            .count(),
        ).toBe(1);
        expect(
          await item(/^Add the M-PESA block/)
            .getByText("Done", { exact: true })
            .count(),
        ).toBe(1);
        expect(
          await home
            .getByText(/works with the local Daraja emulator, but in production Daraja cannot reach it/)
            .count(),
        ).toBe(1);
        await shot(home, "01-home-callbacks-stopped");
        await home.close();
      } finally {
        await control(`${sandbox.emulatorUrl}/__emulator/callbacks/resume`, { kinds: ["stk"] });
      }
      await page.close();
    },
  );

  it("shows the passkey banner after wrong-passkey pushes, linking to Settings", { timeout: 150_000 }, async () => {
    await resetDemo();
    await setDemoPasskey("0".repeat(64));
    try {
      const page = await openSandbox();
      for (const order of ["#1001", "#1002"]) {
        await pay(page, order, "pay");
        await expect
          .poll(() => page.getByText(/M-PESA did not accept this payment request/).count(), { timeout: 20_000 })
          .toBe(1);
      }
      await shot(page, "02-sandbox-wrong-passkey");
      await page.close();
      const home = await homeWithBanner("Daraja rejects your passkey — fix it in Settings");
      expect(await home.getByText(/The last 2 payments failed .*Wrong credentials/).count()).toBe(1);
      const link = home.getByRole("link", { name: "Fix it in Settings" });
      expect(await link.getAttribute("href")).toMatch(/^\/app\/settings/);
      await shot(home, "03-home-wrong-passkey");
      await home.close();
    } finally {
      await setDemoPasskey(DEMO_SETTINGS_FORM.passkey);
    }
  });
});

describe("the sandbox page", () => {
  it(
    "echoes the typed number, clears stale banners, puts Retry beside its inputs, never shows a failure green",
    { timeout: 120_000 },
    async () => {
      await resetDemo();
      const page = await openSandbox();
      await pay(page, "#1003", "cancel");
      await expect.poll(() => page.getByText("Payment cancelled").count(), { timeout: 30_000 }).toBe(1);
      // Retry is the form's button, below the phone number and the answer it will use; the banner has none.
      const retry = page.getByRole("button", { name: "Retry" });
      expect(await retry.count()).toBe(1);
      const [retryBox, phoneBox] = [
        await retry.boundingBox(),
        await page.getByLabel("M-PESA phone number").boundingBox(),
      ];
      expect(retryBox!.y).toBeGreaterThan(phoneBox!.y);
      // The stored callback of a cancelled prompt: "not paid", not green.
      const row = page.locator("summary", { hasText: "ResultCode 1032" }).first();
      await row.waitFor({ timeout: 15_000 });
      expect(await row.getByText("not paid", { exact: true }).count()).toBe(1);
      expect(await row.getByText("paid", { exact: true }).count()).toBe(0);
      // Rows that open look like it.
      expect(await row.evaluate((el) => getComputedStyle(el).cursor)).toBe("pointer");
      expect(await row.evaluate((el) => getComputedStyle(el, "::before").content)).toBe('"▸"');
      await shot(page, "04-sandbox-cancelled-retry-beside-inputs");

      // A number that is not one: the error says what was typed, and the cancelled banner is gone.
      await page.getByLabel("How the phone answers (emulator)").selectOption("pay");
      await page.getByLabel("M-PESA phone number").fill("0712 34");
      await retry.click();
      await expect
        .poll(() => page.getByText(/"0712 34" is not a Kenyan mobile number/).count(), { timeout: 15_000 })
        .toBe(1);
      expect(await page.getByText(/You typed/).count()).toBe(0); // the app's message already quotes it
      expect(await page.getByText("Payment cancelled").count()).toBe(0);
      // With an emulator answer the page sends other last digits: the error names both numbers.
      await page.getByLabel("How the phone answers (emulator)").selectOption("ignore");
      await page.getByRole("button", { name: /^Pay KES/ }).click();
      await expect
        .poll(() => page.getByText(/You typed “0712 34”, sent as 070037/).count(), { timeout: 15_000 })
        .toBe(1);
      await shot(page, "05-sandbox-typed-number-echoed");
      await page.getByLabel("How the phone answers (emulator)").selectOption("pay");
      // The next, good attempt drops that error too.
      await page.getByLabel("M-PESA phone number").fill("0712 345 678");
      await page.getByRole("button", { name: /^Pay KES/ }).click();
      await expect.poll(() => page.getByText("Payment received").count(), { timeout: 30_000 }).toBe(1);
      expect(await page.getByText(/You typed/).count()).toBe(0);
      await page.close();
    },
  );

  it("adds a demo order and resets the demo", { timeout: 120_000 }, async () => {
    await resetDemo();
    const page = await openSandbox();
    await pay(page, "#1002", "pay");
    await expect.poll(() => page.getByText("Payment received").count(), { timeout: 30_000 }).toBe(1);
    await page.getByRole("button", { name: "Add a demo order" }).click();
    await expect.poll(() => page.getByText(/^Order #1005 \(KES 101\) added for/).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.getByText("#1005", { exact: true }).count(), { timeout: 20_000 }).toBe(1);
    await shot(page, "06-sandbox-demo-order-added");

    await page.getByRole("button", { name: "Reset the demo" }).click();
    await page.getByRole("button", { name: "Reset: forget every demo payment" }).click();
    await expect
      .poll(() => page.getByText(/^The demo started over: 4 unpaid orders/).count(), { timeout: 30_000 })
      .toBe(1);
    await expect.poll(() => page.getByText("#1005", { exact: true }).count(), { timeout: 20_000 }).toBe(0);
    const orders = page.locator("label", { hasText: /^#100\d/ });
    await expect.poll(() => orders.getByText("paid", { exact: true }).count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => page.getByText("Payment received").count(), { timeout: 20_000 }).toBe(0);
    // The order chosen before (paid, now gone) leaves nothing behind: the first new one is payable.
    await expect.poll(() => page.getByRole("button", { name: /^Pay KES 1$/ }).count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByText("Not payable").count()).toBe(0);
    expect(await page.getByText("This order is already paid.").count()).toBe(0);
    // The list follows the live panel's next poll: the four demo orders again.
    await expect.poll(() => page.locator("label", { hasText: /^#100[1-4]/ }).count(), { timeout: 20_000 }).toBe(4);
    await shot(page, "07-sandbox-reset");
    await page.close();
  });
});

type Figures = { ttfbMs: number; lcpMs: number; cls: number; inpMs: number };

/** One cold-cache load in Chromium: TTFB and LCP from the page's own timing, CLS, and a click's INP. */
async function measure(url: string, title: string): Promise<Figures> {
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = window as unknown as { __lcp: number; __cls: number; __inp: number };
    w.__lcp = 0;
    w.__cls = 0;
    w.__inp = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__lcp = Math.max(w.__lcp, e.startTime);
    }).observe({ type: "largest-contentful-paint", buffered: true });
    new PerformanceObserver((l) => {
      for (const e of l.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[])
        if (!e.hadRecentInput) w.__cls += e.value;
    }).observe({ type: "layout-shift", buffered: true });
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__inp = Math.max(w.__inp, e.duration);
    }).observe({ type: "event", buffered: true, durationThreshold: 16 } as PerformanceObserverInit);
  });
  await page.goto(url, { waitUntil: "load" });
  const heading = page.getByRole("heading", { name: title, level: 1 });
  await heading.waitFor({ timeout: 15_000 });
  await page.waitForTimeout(500); // let LCP and layout settle
  await heading.click(); // an interaction for INP (the title: it navigates nowhere)
  await page.waitForTimeout(300);
  const figures = await page.evaluate(() => {
    const w = window as unknown as { __lcp: number; __cls: number; __inp: number };
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    return { ttfbMs: nav.responseStart - nav.requestStart, lcpMs: w.__lcp, cls: w.__cls, inpMs: w.__inp };
  });
  await page.close();
  return figures;
}

const p75 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.75) - 1];

describe("load figures (Built for Shopify's bar, measured locally)", () => {
  it(
    "Home and Payments: LCP ≤ 2.5 s, CLS ≤ 0.1, INP ≤ 200 ms at the 75th percentile of 7 loads",
    { timeout: 180_000 },
    async () => {
      const report: Record<string, Record<string, number>> = {};
      for (const [name, url, click] of [
        ["home", homeUrl(), "M-PESA Checkout"],
        ["payments", paymentsUrl(), "Payments"],
      ] as const) {
        const runs: Figures[] = [];
        for (let i = 0; i < 7; i++) runs.push(await measure(url, click));
        report[name] = {
          ttfbP75Ms: Math.round(p75(runs.map((r) => r.ttfbMs))),
          lcpP75Ms: Math.round(p75(runs.map((r) => r.lcpMs))),
          clsP75: Number(p75(runs.map((r) => r.cls)).toFixed(4)),
          inpP75Ms: Math.round(p75(runs.map((r) => r.inpMs))),
        };
      }
      fs.writeFileSync(path.join(ARTIFACTS, "load-figures.json"), JSON.stringify(report, null, 2));
      console.log("load figures", JSON.stringify(report));
      for (const r of Object.values(report)) {
        expect(r.lcpP75Ms).toBeGreaterThan(0);
        expect(r.lcpP75Ms).toBeLessThanOrEqual(2500);
        expect(r.clsP75).toBeLessThanOrEqual(0.1);
        expect(r.inpP75Ms).toBeLessThanOrEqual(200);
      }
    },
  );
});
