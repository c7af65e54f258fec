import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EnvSchema, parseEnv } from "../app/lib/env.server";
import {
  DEMO_ORDERS,
  DEMO_SHOP,
  PAYBILL_TYPOS,
  PHONE_ANSWERS,
  paybillAmountFor,
  phoneForAnswer,
} from "../app/modules/sandbox/demo";
import { STK_OUTCOMES, stkOutcomeForPhone } from "../emulator/outcomes";
import { TYPOS } from "../emulator/api/c2b";
import { startSandbox, type Sandbox } from "../scripts/sandbox/index";
import { SandboxRefusedError, isLocalUrl, sandboxSafetyProblems } from "../app/modules/sandbox/safety";
import { embeddedAppUrl, signCheckoutSessionToken } from "../app/modules/sandbox/session-tokens.server";
import { activity } from "../app/modules/sandbox/page.server";
import { createSecretBox } from "../app/modules/settings/secret-box.server";
import { openAccountSecret } from "../app/modules/settings/accounts.server";
import { ROOT } from "./support/databases";
import { removeStateDir, sandboxStateDir, startTestSandbox } from "./sandbox.support";

// The sandbox orchestration without a browser: safety refusals, seeding (and re-seeding), the
// sandbox routes' 404 outside sandbox mode, and self-signed session tokens accepted by /api/pay.

const db = createPrismaClient(process.env.DATABASE_URL!);
// A prompt with no callback is asked about after 3 s instead of 90 (the lost-callback test).
const QUICK_RECOVERY = { PENDING_RECOVERY_AFTER_SECONDS: "3", PENDING_RECOVERY_INTERVAL_SECONDS: "1" };
afterAll(() => db.$disconnect());

describe("sandbox safety", () => {
  it("knows which Daraja URLs are on this machine", () => {
    expect(isLocalUrl("http://127.0.0.1:8089")).toBe(true);
    expect(isLocalUrl("http://localhost:8089/")).toBe(true);
    expect(isLocalUrl("http://[::1]:8089")).toBe(true);
    expect(isLocalUrl("https://sandbox.safaricom.co.ke")).toBe(false);
    expect(isLocalUrl("https://api.safaricom.co.ke")).toBe(false);
    expect(isLocalUrl("not a url")).toBe(false);
  });

  it("names every production setting it refuses", () => {
    const problems = sandboxSafetyProblems({
      darajaBaseUrls: {
        DARAJA_PRODUCTION_BASE_URL: "https://api.safaricom.co.ke",
        DARAJA_SANDBOX_BASE_URL: "http://127.0.0.1:1",
      },
      shops: [
        { shopDomain: "live.myshopify.com", environment: "production" },
        { shopDomain: "demo.myshopify.com", environment: "sandbox" },
      ],
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /DARAJA_PRODUCTION_BASE_URL is https:\/\/api\.safaricom\.co\.ke, which is not on this machine/,
    );
    expect(problems[1]).toMatch(/live\.myshopify\.com is configured for the production Daraja environment/);
  });

  it("sandbox mode is refused with NODE_ENV=production", () => {
    const base = {
      SHOPIFY_API_KEY: "k",
      SHOPIFY_API_SECRET: "s",
      SHOPIFY_APP_URL: "http://127.0.0.1:3000",
      ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
    };
    expect(() => parseEnv({ ...base, NODE_ENV: "production", SANDBOX_MODE: "true" })).toThrow(
      /sandbox mode cannot run with NODE_ENV=production/,
    );
    expect(parseEnv({ ...base, NODE_ENV: "development", SANDBOX_MODE: "true", HOST: "127.0.0.1" }).SANDBOX_MODE).toBe(
      true,
    );
  });

  it("L4: the activity feed shows only the demo shop's callbacks, phone numbers masked", async () => {
    const phoneBody = (n: string) =>
      JSON.stringify({
        Body: {
          stkCallback: {
            CallbackMetadata: { Item: [{ Name: "PhoneNumber", Value: Number(n) }] },
            ResultDesc: `sent to 0${n.slice(3)}`,
          },
        },
      });
    await db.callbackLog.create({
      data: {
        kind: "STK",
        path: "/daraja/stk/:token",
        headers: "{}",
        shopDomain: DEMO_SHOP,
        body: phoneBody("254712300001"),
      },
    });
    await db.callbackLog.create({
      data: {
        kind: "STK",
        path: "/daraja/stk/:token",
        headers: "{}",
        shopDomain: "someone-else.myshopify.com",
        body: phoneBody("254712300002"),
      },
    });
    const feed = await activity(db, {
      sandboxMode: true,
      darajaSandboxBaseUrl: "http://127.0.0.1:9",
      darajaProductionBaseUrl: "http://127.0.0.1:9",
    });
    const text = JSON.stringify(feed);
    expect(text).not.toContain("254712300001");
    expect(text).not.toContain("0712300001");
    expect(text).not.toContain("254712300002"); // another shop's callback is not in the feed at all
    expect(text).toContain("2547****0001");
    expect(feed.callbacks.every((c) => JSON.parse(c.body))).toBe(true); // still JSON for the page
  });

  it("refuses a Daraja URL that is not local before starting anything", async () => {
    const stateDir = sandboxStateDir("refuse-url");
    await expect(
      startSandbox({ root: ROOT, stateDir, darajaBaseUrl: "https://sandbox.safaricom.co.ke" }),
    ).rejects.toThrow(/the Daraja URL is https:\/\/sandbox\.safaricom\.co\.ke, which is not on this machine/);
    removeStateDir(stateDir);
  });
});

describe("sandbox routes outside sandbox mode", () => {
  // The test environment has no SANDBOX_MODE: every sandbox route must answer 404, as an unknown URL would.
  it.each([
    "sandbox._index",
    "sandbox.token",
    "sandbox.activity",
    "sandbox.id-token",
    "sandbox.app-bridge[.]js",
    "sandbox.paybill",
  ])("%s is 404", async (route) => {
    const mod = await import(`../app/routes/${route}.tsx`);
    const args = { request: new Request("http://127.0.0.1/sandbox"), params: {}, context: {} };
    const thrown = await mod.loader(args).then(
      () => null,
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(404);
  });
});

describe("the paybill action outside sandbox mode", () => {
  it("is 404", async () => {
    const mod = await import("../app/routes/sandbox.paybill");
    const request = new Request("http://127.0.0.1/sandbox/paybill", { method: "POST", body: "{}" });
    const thrown = await mod.action({ request, params: {}, context: {} }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((thrown as Response).status).toBe(404);
  });
});

describe("the sandbox, started", () => {
  const stateDir = sandboxStateDir("orchestration");
  let sandbox: Sandbox;
  // Generous: a start migrates, copies the build and boots the app; a loaded 2-core machine is slow.
  beforeAll(async () => {
    sandbox = await startTestSandbox(stateDir, { appEnv: QUICK_RECOVERY });
  }, 120_000);
  afterAll(async () => {
    await sandbox?.close();
    removeStateDir(stateDir);
  });

  it("seeds the demo shop with emulator credentials and records its orders through the orders/create webhook", async () => {
    const account = await db.mpesaAccount.findFirstOrThrow({
      where: { shopDomain: DEMO_SHOP, defaultForShop: DEMO_SHOP },
    });
    expect(account).toMatchObject({
      environment: "sandbox",
      kind: "paybill",
      businessShortCode: "174379",
      consumerKey: "emulator-consumer-key",
    });
    const box = createSecretBox({ current: await readEncryptionKey(stateDir) });
    expect(openAccountSecret(box, account, "consumerSecret")).toBe("emulator-consumer-secret");

    const orders = await db.mpesaOrder.findMany({ where: { shopDomain: DEMO_SHOP }, orderBy: { createdAt: "asc" } });
    expect(orders.map((o) => o.outstandingKes)).toEqual(DEMO_ORDERS.map((o) => o.totalKes));
    expect(orders.every((o) => o.currency === "KES")).toBe(true);
    // Recorded by the app's webhook route: the delivery ids were stored.
    expect(await db.webhookDelivery.count({ where: { shopDomain: DEMO_SHOP } })).toBe(DEMO_ORDERS.length);

    const standin = await fetch(
      `${sandbox.standinUrl}/__standin/orders/${encodeURIComponent(orders[0].orderGid)}`,
    ).then((r) => r.json());
    expect(standin.order).toMatchObject({
      displayFinancialStatus: "PENDING",
      paymentGatewayNames: ["M-PESA"],
      currencyCode: "KES",
    });
  });

  it("serves /sandbox, and /api/pay accepts the session tokens it signs (and only those)", async () => {
    expect((await fetch(sandbox.sandboxUrl)).status).toBe(200);
    const { token } = await fetch(`${sandbox.appUrl}/sandbox/token`).then((r) => r.json());
    const order = sandbox.orders[1];
    const query = new URLSearchParams({ orderId: order.id, confirmationNumber: order.confirmationNumber });
    const status = (t: string) =>
      fetch(`${sandbox.appUrl}/api/pay/status?${query}`, {
        headers: { Authorization: `Bearer ${t}`, "User-Agent": "Mozilla/5.0 (sandbox test)" },
      });

    const ok = await status(token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ payable: true, order: { amountKes: DEMO_ORDERS[1].totalKes } });

    const forged = await signCheckoutSessionToken(
      { apiKey: sandbox.apiKey, apiSecret: "not-the-app-secret" },
      { shop: DEMO_SHOP },
    );
    expect((await status(forged)).status).toBe(401);
  });

  it("re-running it does not duplicate the demo shop or its orders", { timeout: 120_000 }, async () => {
    await sandbox.close();
    sandbox = await startTestSandbox(stateDir, { appEnv: QUICK_RECOVERY });
    expect(await db.shopSettings.count()).toBe(1);
    expect(await db.mpesaAccount.count()).toBe(1);
    expect(await db.session.count({ where: { shop: DEMO_SHOP } })).toBe(1);
    expect(await db.mpesaOrder.count({ where: { shopDomain: DEMO_SHOP } })).toBe(DEMO_ORDERS.length);
  });

  it(
    "a payment whose callback never comes ends paid; Pull now in Settings attaches its receipt to the order",
    { timeout: 150_000 },
    async () => {
      // An order of its own (the four seeded ones belong to other tests).
      const added = await fetch(`${sandbox.appUrl}/sandbox/demo`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ do: "add-order" }),
      });
      expect(added.status, await added.clone().text()).toBe(200);
      const order = await db.mpesaOrder.findFirstOrThrow({
        where: { shopDomain: DEMO_SHOP },
        orderBy: { createdAt: "desc" },
      });
      const { token } = await fetch(`${sandbox.appUrl}/sandbox/token`).then((r) => r.json());
      const pay = await fetch(`${sandbox.appUrl}/api/pay`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token}`,
          "Content-Type": "application/json",
          "User-Agent": "Mozilla/5.0 (sandbox test)",
        },
        body: JSON.stringify({
          orderId: order.orderGid,
          confirmationNumber: order.confirmationNumber,
          phone: phoneForAnswer("0712 345 678", "lost_callback"),
        }),
      });
      expect(pay.status, await pay.clone().text()).toBe(200);
      const attemptId = ((await pay.json()) as { attempt: { id: string } }).attempt.id;
      // No callback: the app's status query finds it paid, the receipt not known yet.
      const pending = await vi.waitFor(
        async () => {
          const a = await db.paymentAttempt.findUniqueOrThrow({ where: { id: attemptId } });
          if (a.status !== "SUCCEEDED") throw new Error(`attempt still ${a.status}`);
          return a;
        },
        { timeout: 90_000, interval: 500 },
      );
      expect(pending.mpesaReceipt).toBeNull();
      expect(pending.receiptPendingSince).not.toBeNull();
      expect(await db.callbackLog.count({ where: { attemptId } })).toBe(0);

      // The merchant presses "Pull now" in Settings (registered for Pull at the sandbox's start).
      const account = await db.mpesaAccount.findFirstOrThrow({
        where: { shopDomain: DEMO_SHOP, defaultForShop: DEMO_SHOP },
      });
      expect(account.pullRegisteredAt).not.toBeNull();
      const keys = { apiKey: sandbox.apiKey, apiSecret: sandbox.apiSecret };
      const settings = await embeddedAppUrl(keys, DEMO_SHOP, "/app/settings");
      const pulled = await fetch(`${sandbox.appUrl}${settings}&_data=routes/app.settings`, {
        method: "POST",
        body: new URLSearchParams({ intent: "pull-now", accountId: account.id }),
        headers: { "User-Agent": "Mozilla/5.0 (sandbox test)" },
      });
      expect(pulled.status, await pulled.clone().text()).toBe(202);
      const paid = await vi.waitFor(
        async () => {
          const a = await db.paymentAttempt.findUniqueOrThrow({ where: { id: attemptId } });
          if (!a.mpesaReceipt) throw new Error("receipt not attached yet");
          return a;
        },
        { timeout: 60_000, interval: 500 },
      );
      expect(paid).toMatchObject({ status: "SUCCEEDED", receiptFoundBy: "pull" });
      const receipt = paid.mpesaReceipt!;
      const tags = await vi.waitFor(
        async () => {
          const o = await fetch(`${sandbox.standinUrl}/__standin/orders/${encodeURIComponent(order.orderGid)}`)
            .then((r) => r.json())
            .then((r) => r.order as { tags: string[]; displayFinancialStatus: string });
          if (!o.tags.includes(`mpesa:${receipt}`)) throw new Error(`order tags ${o.tags.join()}`);
          return o;
        },
        { timeout: 30_000, interval: 500 },
      );
      expect(tags.displayFinancialStatus).toBe("PAID");
      expect(tags.tags).not.toContain("mpesa-receipt-pending");
    },
  );

  describe("pay by paybill (the M-PESA menu, played by the emulator)", () => {
    const order = (i: number) => sandbox.orders[i];
    const shopify = (gid: string) =>
      fetch(`${sandbox.standinUrl}/__standin/orders/${encodeURIComponent(gid)}`)
        .then((r) => r.json())
        .then((r) => r.order as { displayFinancialStatus: string; outstanding: string; received: string });
    const paybill = (body: Record<string, unknown>) =>
      fetch(`${sandbox.appUrl}/sandbox/paybill`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const payment = (receipt: string) =>
      vi.waitFor(
        async () => {
          const row = await db.c2bPayment.findUnique({ where: { receipt } });
          if (!row || row.status === "MATCHED") throw new Error(`payment ${receipt} not settled yet`);
          return row;
        },
        { timeout: 30_000, interval: 200 },
      );
    const financial = (gid: string, want: string) =>
      vi.waitFor(
        async () => {
          const o = await shopify(gid);
          if (o.displayFinancialStatus !== want) throw new Error(`still ${o.displayFinancialStatus}`);
          return o;
        },
        { timeout: 30_000, interval: 200 },
      );
    /** The account reference the order's checkout block shows (GET /api/pay/status). */
    const instructions = async (i: number) => {
      const { token } = await fetch(`${sandbox.appUrl}/sandbox/token`).then((r) => r.json());
      const q = new URLSearchParams({ orderId: order(i).id, confirmationNumber: order(i).confirmationNumber });
      const status = await fetch(`${sandbox.appUrl}/api/pay/status?${q}`, {
        headers: { Authorization: `Bearer ${token}`, "User-Agent": "Mozilla/5.0 (sandbox test)" },
      }).then((r) => r.json());
      return status.paybill as { number: string; accountReference: string; amountKes: number; paidKes?: number };
    };

    it("offers the emulator's typo kinds, and amounts that can be sent", () => {
      expect(Object.keys(PAYBILL_TYPOS)).toEqual(["none", ...TYPOS]);
      expect(paybillAmountFor("part", 1)).toBeNull();
      expect(paybillAmountFor("part", 1499)).toBe(749);
      expect(paybillAmountFor("more", 250)).toBe(350);
    });

    it("registered the default account's C2B URLs with the emulator at start", async () => {
      const account = await db.mpesaAccount.findFirstOrThrow({ where: { defaultForShop: DEMO_SHOP } });
      expect(account.c2bTokenHash).toMatch(/^[0-9a-f]{64}$/);
      const reg = await fetch(`${sandbox.emulatorUrl}/__emulator/requests?path=/mpesa/c2b/v2/registerurl`).then((r) =>
        r.json(),
      );
      expect(reg.at(-1)).toMatchObject({ status: 200, body: { ShortCode: "174379", ResponseType: "Completed" } });
    });

    it("a messy account number lands on the right order, which is paid", { timeout: 60_000 }, async () => {
      const shown = await instructions(1);
      expect(shown).toMatchObject({ number: "174379", amountKes: DEMO_ORDERS[1].totalKes });
      const sent = await paybill({
        orderGid: order(1).id,
        amount: "full",
        billRef: shown.accountReference,
        typo: "spaces",
      });
      expect(sent).toMatchObject({ status: 200, body: { ok: true, amountKes: 250, result: { status: "completed" } } });
      const row = await payment(sent.body.result.transId);
      expect(row).toMatchObject({ status: "APPLIED", matchRule: "reference", orderGid: order(1).id, appliedKes: 250 });
      expect(row.billRefRaw).not.toBe(shown.accountReference); // it was typed with spaces
      await financial(order(1).id, "PAID");
    });

    it("a part payment, then the rest typed as the order name, pays the order", { timeout: 60_000 }, async () => {
      const gid = order(2).id;
      const first = await paybill({ orderGid: gid, amount: "part", billRef: (await instructions(2)).accountReference });
      expect(first.body.amountKes).toBe(749);
      expect(await payment(first.body.result.transId)).toMatchObject({ status: "APPLIED", appliedKes: 749 });
      await financial(gid, "PARTIALLY_PAID");
      const left = await vi.waitFor(
        async () => {
          const p = await instructions(2);
          if (p.amountKes !== 750) throw new Error(`still ${p.amountKes} due`);
          return p;
        },
        { timeout: 30_000, interval: 200 },
      );
      expect(left.paidKes).toBe(749);
      const rest = await paybill({ orderGid: gid, amount: "full", billRef: left.accountReference, typo: "order_name" });
      expect(rest.body.amountKes).toBe(750);
      expect(await payment(rest.body.result.transId)).toMatchObject({ status: "APPLIED", appliedKes: 750 });
      await financial(gid, "PAID");
    });

    it("an over-payment pays the order and is flagged with its surplus", { timeout: 60_000 }, async () => {
      const gid = order(3).id;
      const sent = await paybill({ orderGid: gid, amount: "more", billRef: (await instructions(3)).accountReference });
      expect(sent.body.amountKes).toBe(DEMO_ORDERS[3].totalKes + 100);
      expect(await payment(sent.body.result.transId)).toMatchObject({
        status: "APPLIED",
        reason: "OVERPAID",
        surplusKes: 100,
        appliedKes: DEMO_ORDERS[3].totalKes,
      });
      await financial(gid, "PAID");
    });

    it("a reference naming no order waits in the merchant's unmatched queue", { timeout: 60_000 }, async () => {
      const sent = await paybill({ orderGid: order(0).id, amount: "full", billRef: "NOPE-9999" });
      expect(sent.status).toBe(200);
      const receipt = sent.body.result.transId as string;
      expect(await payment(receipt)).toMatchObject({ status: "UNMATCHED", shopDomain: DEMO_SHOP, orderGid: null });
      expect((await shopify(order(0).id)).displayFinancialStatus).toBe("PENDING");
      const keys = { apiKey: sandbox.apiKey, apiSecret: sandbox.apiSecret };
      const page = await fetch(`${sandbox.appUrl}${await embeddedAppUrl(keys, DEMO_SHOP, "/app/payments/unmatched")}`, {
        headers: { "User-Agent": "Mozilla/5.0 (sandbox test)", Accept: "text/html" }, // Shopify's library refuses bots
      });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(receipt);
      expect(html).toContain("NOPE-9999");
    });

    it("refuses what it cannot play, and changes nothing", async () => {
      const before = await db.c2bPayment.count();
      expect((await paybill({ orderGid: order(0).id, amount: "part", billRef: "X" })).status).toBe(409); // half of KES 1
      expect((await paybill({ orderGid: order(0).id, amount: "all", billRef: "X" })).status).toBe(400);
      expect((await paybill({ orderGid: order(0).id, amount: "full", billRef: "  " })).status).toBe(400);
      expect((await paybill({ orderGid: "gid://shopify/Order/1", amount: "full", billRef: "X" })).status).toBe(404);
      expect((await paybill({ orderGid: order(0).id, amount: "full", billRef: "X".repeat(21) })).status).toBe(400);
      expect(await db.c2bPayment.count()).toBe(before);
    });

    it(
      "a payment whose confirmation is lost is verified by its code on the merchant's page",
      { timeout: 60_000 },
      async () => {
        const gid = order(0).id;
        const sent = await paybill({ orderGid: gid, amount: "full", billRef: "LOST", lost: true });
        expect(sent.status).toBe(200);
        const receipt = sent.body.result.transId as string;
        expect(sent.body.result.confirmationStatus).toBeUndefined(); // the app was never told
        expect(await db.c2bPayment.findUnique({ where: { receipt } })).toBeNull();
        expect(sent.body.verifyUrl).toMatch(/^\/app\/payments\/verify\?.*id_token=.*&order=/);
        const res = await fetch(`${sandbox.appUrl}${sent.body.verifyUrl}&_data=routes/app.payments.verify`, {
          method: "POST",
          body: new URLSearchParams({
            intent: "verify",
            code: receipt,
            order: new URL(sent.body.verifyUrl, "http://x").searchParams.get("order")!,
          }),
          headers: { "User-Agent": "Mozilla/5.0 (sandbox test)" },
        });
        expect(res.status, await res.clone().text()).toBe(200);
        expect(await payment(receipt)).toMatchObject({ status: "APPLIED", matchRule: "verified", orderGid: gid });
        await financial(gid, "PAID");
      },
    );
  });

  it(
    "refuses to start when a shop in its database is configured for production Daraja",
    { timeout: 60_000 },
    async () => {
      await db.mpesaAccount.updateMany({ where: { shopDomain: DEMO_SHOP }, data: { environment: "production" } });
      try {
        const refusedDir = sandboxStateDir("refuse-shop");
        const error = await startTestSandbox(refusedDir).then(
          (s) => s.close().then(() => null),
          (e: unknown) => e,
        );
        removeStateDir(refusedDir);
        expect(error).toBeInstanceOf(SandboxRefusedError);
        expect((error as Error).message).toMatch(
          /shop mpesa-sandbox-demo\.myshopify\.com is configured for the production Daraja environment/,
        );
      } finally {
        await db.mpesaAccount.updateMany({ where: { shopDomain: DEMO_SHOP }, data: { environment: "sandbox" } });
      }
    },
  );
});

describe("npm run sandbox on a fresh machine", () => {
  it(
    "starts in a process with none of the app's configuration (the launcher brings it all)",
    { timeout: 150_000 },
    async () => {
      const stateDir = sandboxStateDir("launch");
      const file = path.join(os.tmpdir(), `sandbox-launch-${process.pid}-${Date.now().toString(36)}.sqlite`);
      // No SHOPIFY_API_KEY, ENCRYPTION_KEY, … — as after a clone, with no .env.
      const bare = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !(k in EnvSchema.shape) && !k.startsWith("VITEST")),
      );
      const child = spawn(
        process.execPath,
        ["--import", "tsx", path.join(ROOT, "test/support/sandbox-launch.ts"), stateDir, `file:${file}`],
        { cwd: ROOT, env: bare as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (c) => (out += String(c)));
      child.stderr.on("data", (c) => (out += String(c)));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${out}`)), 120_000);
          child.stdout.on("data", () => {
            const ready = out.match(/READY (\S+)/);
            if (ready) {
              clearTimeout(timer);
              resolve(ready[1]);
            }
          });
          child.on("exit", (code) => reject(new Error(`sandbox exited (${code}):\n${out}`)));
        });
        const page = await fetch(url);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain("M-PESA");
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGTERM");
          await exited;
        }
        removeStateDir(stateDir);
        for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
      }
    },
  );
});

describe("phone answers", () => {
  it("set the last four digits the emulator decides by", () => {
    expect(phoneForAnswer("0712 345 678", "pay")).toBe("0712 345 678");
    expect(phoneForAnswer("0712 345 678", "cancel")).toBe("071234" + "0032");
    expect(phoneForAnswer("+254 712 345 678", "insufficient")).toBe("25471234" + "0001");
  });

  it("each ends the way its label says, by the emulator's own table", () => {
    for (const [answer, { outcome }] of Object.entries(PHONE_ANSWERS)) {
      const sent = phoneForAnswer("254712345678", answer as keyof typeof PHONE_ANSWERS);
      expect(stkOutcomeForPhone(sent), answer).toEqual(STK_OUTCOMES[outcome]);
    }
  });
});

async function readEncryptionKey(stateDir: string): Promise<string> {
  const fs = await import("node:fs");
  return JSON.parse(fs.readFileSync(`${stateDir}/secrets.json`, "utf8")).encryptionKey;
}
