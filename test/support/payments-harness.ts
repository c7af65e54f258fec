import http from "node:http";
import type { AddressInfo } from "node:net";
import { getJwt } from "@shopify/shopify-api/test-helpers";
import { SignJWT } from "jose";
import type { PrismaClient } from "@prisma/client";
import { startEmulator, type Emulator } from "../../emulator";
import { startShopifyStandin, type ShopifyStandin } from "../../shopify-standin";
import { createPrismaClient } from "../../app/db.server";
import { secretBoxFromEnv } from "../../app/modules/settings/config.server";
import { saveSettings } from "../../app/modules/settings/repository.server";
import { startAppServer, type AppServer } from "./app-server";

// Everything a payment-flow test needs: the built app in a child process, the Daraja emulator, the
// Shopify Admin stand-in, and a shop seeded with Daraja settings and an offline session.

export const SHOP = "mpesa-pay-shop.myshopify.com";
export const ACCESS_TOKEN = "shpat_test_offline_token";
export const PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

export interface Harness {
  db: PrismaClient;
  emulator: Emulator;
  standin: ShopifyStandin;
  app: AppServer;
  appEnv: Record<string, string>;
  restart: (env?: Record<string, string>) => Promise<AppServer>;
  /** Hold the STK Push *answer* this long after the emulator has processed it (callback races it). */
  holdStkAnswerMs: (ms: number) => void;
  /** Answer the next STK Push(es) with this Daraja answer instead of forwarding (nothing reaches the emulator). */
  answerNextStkPush: (answer: { status: number; body: unknown }, times?: number) => void;
  close: () => Promise<void>;
}

export async function startHarness(
  opts: { appEnv?: Record<string, string>; emulator?: Parameters<typeof startEmulator>[0] } = {},
): Promise<Harness> {
  const db = createPrismaClient(process.env.DATABASE_URL);
  const [emulator, standin] = await Promise.all([
    startEmulator({ callbackDelayMs: 20, ...opts.emulator }),
    startShopifyStandin(),
  ]);
  await seedShop(db, standin, SHOP);
  const proxy = await delayingProxy(emulator.url);
  const appEnv = {
    DATABASE_URL: process.env.DATABASE_URL!,
    SHOPIFY_ADMIN_API_ORIGIN: standin.url,
    DARAJA_SANDBOX_BASE_URL: proxy.url,
    DARAJA_PRODUCTION_BASE_URL: emulator.url,
    // Initiator passwords (refunds, status queries) encrypted for the emulator, as for Safaricom in production.
    DARAJA_SANDBOX_CERTIFICATE: emulator.certificatePem,
    DARAJA_PRODUCTION_CERTIFICATE: emulator.certificatePem,
    JOB_WORKER: "true",
    ...opts.appEnv,
  };
  const h: Harness = {
    db,
    emulator,
    standin,
    app: await startAppServer(appEnv),
    appEnv,
    holdStkAnswerMs: (ms) => (proxy.holdMs = ms),
    answerNextStkPush: (answer, times = 1) => proxy.canned.push(...Array.from({ length: times }, () => answer)),
    restart: async (env = {}) => {
      h.app = await startAppServer({ ...appEnv, ...env }, h.app.port);
      return h.app;
    },
    close: async () => {
      await h.app.stop().catch(() => {});
      await Promise.all([emulator.close(), standin.close(), proxy.close()]);
      await db.$disconnect();
    },
  };
  return h;
}

export async function seedShop(
  db: PrismaClient,
  standin: ShopifyStandin,
  shop: string,
  settings: Partial<{
    environment: "sandbox" | "production";
    paymentMethodName: string;
    consumerKey: string;
    consumerSecret: string;
  }> = {},
) {
  standin.registerShop(shop, ACCESS_TOKEN);
  await db.session.upsert({
    where: { id: `offline_${shop}` },
    create: {
      id: `offline_${shop}`,
      shop,
      state: "",
      isOnline: false,
      scope: "read_orders,write_orders",
      accessToken: ACCESS_TOKEN,
    },
    update: { accessToken: ACCESS_TOKEN },
  });
  await saveSettings(db, secretBoxFromEnv(), shop, {
    environment: settings.environment ?? "sandbox",
    shortcodeType: "paybill",
    businessShortCode: "174379",
    tillNumber: null,
    consumerKey: settings.consumerKey ?? "emulator-consumer-key",
    paymentMethodName: settings.paymentMethodName ?? "M-PESA",
    accountReferenceTemplate: "INV{order_number}",
    initiatorName: null,
    newSecrets: { consumerSecret: settings.consumerSecret ?? "emulator-consumer-secret", passkey: PASSKEY },
  });
}

// The extension runs in the shopper's browser (shopify-app-remix answers 410 to bot user agents).
const BROWSER = {
  Origin: "https://extensions.shopifycdn.com",
  "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
};

/**
 * A session token as the checkout extension sends it: a guest checkout (no `sub`) unless a customer is
 * given, and a session id of its own per token unless one is given (the status poll is limited per `sid`).
 */
export async function sessionToken(shop = SHOP, opts: { customerGid?: string; sid?: string } = {}): Promise<string> {
  // getJwt appends ".myshopify.com" itself; its default `sub` ("12345", an admin user) is no checkout customer.
  const overrides = { sub: opts.customerGid, sid: opts.sid ?? crypto.randomUUID() };
  return (await getJwt(shop.replace(/\.myshopify\.com$/, ""), "testApiKey", "testApiSecretKey", overrides)).token;
}

/**
 * A session token as a customer-account extension (order-status page) sends it. The library checks
 * only the HS256 signature with the app secret and the time claims (authenticate.public.customerAccount
 * -> validateSessionToken with checkAudience: false); `dest` is the bare shop domain and `sub` the
 * signed-in customer's GID.
 */
export async function customerAccountToken(
  shop = SHOP,
  opts: { customerGid?: string; secret?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    dest: shop,
    sub: opts.customerGid ?? "gid://shopify/Customer/7001",
    sid: "ca-session-1",
    jti: crypto.randomUUID(),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(`https://${shop}/account`)
    .setAudience("testApiKey")
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .sign(new TextEncoder().encode(opts.secret ?? "testApiSecretKey"));
}

/** Which token the request carries. The app never reads a surface from the request itself. */
type Surface = "checkout" | "customer-account";
const tokenFor = (surface: Surface | undefined, shop?: string) =>
  surface === "customer-account" ? customerAccountToken(shop) : sessionToken(shop);

// Confirmation numbers of the orders created through createOrder below, so that pay(app, order.id)
// sends what the buyer's thank-you page would (the extension sends it on every request).
const confirmations = new Map<string, string | null>();

export function createOrder(standin: ShopifyStandin, overrides: Record<string, unknown> = {}) {
  const order = standin.createOrder({
    shop: SHOP,
    total: "1500.00",
    currencyCode: "KES",
    paymentGatewayNames: ["M-PESA"],
    ...overrides,
  } as any);
  confirmations.set(order.id, order.confirmationNumber);
  return order;
}

/** An order id (its confirmation number is looked up), or an order as the extension knows it. */
export type OrderRef = string | { id: string; confirmationNumber: string | null };
/** `confirmationNumber`: send this one instead (null: send none). */
type Binding = { confirmationNumber?: string | null };
function confirmationOf(order: OrderRef, opts: Binding): string | null {
  if (opts.confirmationNumber !== undefined) return opts.confirmationNumber;
  return typeof order === "string" ? (confirmations.get(order) ?? null) : order.confirmationNumber;
}
const idOf = (order: OrderRef) => (typeof order === "string" ? order : order.id);

export async function pay(
  app: AppServer,
  order: OrderRef,
  phone: string,
  opts: { shop?: string; ip?: string; surface?: Surface; token?: string } & Binding = {},
) {
  const confirmationNumber = confirmationOf(order, opts);
  const res = await fetch(`${app.url}/api/pay`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${opts.token ?? (await tokenFor(opts.surface, opts.shop))}`,
      "Content-Type": "application/json",
      ...BROWSER,
      ...(opts.ip ? { "X-Forwarded-For": opts.ip } : {}), // honoured by apps run with TRUSTED_PROXIES=loopback
    },
    // the amount must be ignored
    body: JSON.stringify({
      orderId: idOf(order),
      ...(confirmationNumber !== null ? { confirmationNumber } : {}),
      phone,
      amount: 1,
    }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as any };
}

export async function payStatus(
  app: AppServer,
  order: OrderRef,
  opts: { surface?: Surface; token?: string; ip?: string } & Binding = {},
) {
  const confirmationNumber = confirmationOf(order, opts);
  const query = new URLSearchParams({
    orderId: idOf(order),
    ...(confirmationNumber !== null ? { confirmationNumber } : {}),
  });
  const res = await fetch(`${app.url}/api/pay/status?${query}`, {
    headers: {
      Authorization: `Bearer ${opts.token ?? (await tokenFor(opts.surface))}`,
      ...BROWSER,
      ...(opts.ip ? { "X-Forwarded-For": opts.ip } : {}),
    },
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as any };
}

/** Polls `probe` until it returns a truthy value (bounded; the app works asynchronously). */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  what: string,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Payment mutations Shopify accepted for an order, and its SALE transactions. */
export function shopifyPayments(standin: ShopifyStandin, orderGid: string) {
  const mutations = standin
    .mutations()
    .filter(
      (m) =>
        /^(OrderMarkAsPaid|OrderCreateManualPayment)$/.test(m.operationName ?? "") &&
        JSON.stringify(m).includes(orderGid),
    );
  const sales = (standin.getOrder(orderGid)?.transactions ?? []).filter((t) => t.kind === "SALE");
  return { mutations: mutations.length, sales: sales.length };
}

/** A pass-through to the emulator that can hold STK Push answers (the request is processed at once). */
async function delayingProxy(target: string) {
  const state = { holdMs: 0 };
  const canned: { status: number; body: unknown }[] = [];
  const server = http.createServer((req, res) => {
    if (canned.length && req.url?.startsWith("/mpesa/stkpush/v1/processrequest")) {
      const answer = canned.shift()!;
      req.resume();
      res.writeHead(answer.status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const headers = { ...req.headers } as Record<string, string>;
      delete headers.host;
      delete headers["content-length"];
      const upstream = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === "GET" ? undefined : Buffer.concat(chunks),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      if (state.holdMs && req.url?.startsWith("/mpesa/stkpush/v1/processrequest")) {
        await new Promise((r) => setTimeout(r, state.holdMs));
      }
      res.writeHead(upstream.status, { "Content-Type": upstream.headers.get("content-type") ?? "application/json" });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set holdMs(ms: number) {
      state.holdMs = ms;
    },
    canned,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The CallBackURL the app gave Daraja for the latest STK push (the token is only known there). */
export function lastCallbackUrl(emulator: Emulator): string {
  const push = emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).at(-1)!;
  return (push.body as { CallBackURL: string }).CallBackURL;
}

export function stkCallbackBody(
  checkoutRequestId: string,
  opts: { resultCode?: number; amount?: number; receipt?: string } = {},
) {
  const code = opts.resultCode ?? 0;
  return {
    Body: {
      stkCallback: {
        MerchantRequestID: "forged-merchant-1",
        CheckoutRequestID: checkoutRequestId,
        ResultCode: code,
        ResultDesc: code === 0 ? "The service request is processed successfully." : "Failed",
        ...(code === 0
          ? {
              CallbackMetadata: {
                Item: [
                  { Name: "Amount", Value: opts.amount ?? 1500 },
                  { Name: "MpesaReceiptNumber", Value: opts.receipt ?? "TST4XK91QZ" },
                  { Name: "Balance" },
                  { Name: "TransactionDate", Value: 20260314153041 },
                  { Name: "PhoneNumber", Value: 254712345678 },
                ],
              },
            }
          : {}),
      },
    },
  };
}

export async function postCallback(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}
