import type { PrismaClient } from "@prisma/client";
import { maskPhonesDeep, maskPhonesInDocument, maskPhonesInText } from "../../lib/phone-mask";
import { emulatorControl, standinControl, type StandinOrder } from "./control-apis.server";
import { DEMO_SHOP } from "./demo";
import { sandboxSafetyProblems } from "./safety";

// What the sandbox routes serve. Everything here is reachable only in sandbox mode: each route calls
// notFoundUnlessSandbox() first, so outside it /sandbox/* answers 404 like any unknown URL.

export type SandboxConfig = {
  sandboxMode: boolean;
  darajaSandboxBaseUrl: string;
  darajaProductionBaseUrl: string;
  adminApiOrigin?: string;
};
type Db = Pick<PrismaClient, "mpesaAccount" | "mpesaOrder" | "callbackLog">;

export function notFoundUnlessSandbox(config: Pick<SandboxConfig, "sandboxMode">): void {
  if (!config.sandboxMode) throw new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain" } });
}

/** Re-checked on every page load: settings can change while the app runs. */
export async function safetyProblems(db: Db, config: SandboxConfig): Promise<string[]> {
  // Every M-PESA account of every shop, not only the defaults: any production one refuses the sandbox.
  const shops = await db.mpesaAccount.findMany({ select: { shopDomain: true, environment: true } });
  const problems = sandboxSafetyProblems({
    darajaBaseUrls: {
      DARAJA_SANDBOX_BASE_URL: config.darajaSandboxBaseUrl,
      DARAJA_PRODUCTION_BASE_URL: config.darajaProductionBaseUrl,
    },
    shops,
  });
  if (!config.adminApiOrigin)
    problems.push("SHOPIFY_ADMIN_API_ORIGIN is not set: the sandbox needs the local Shopify Admin stand-in");
  return problems;
}

export type SandboxOrder = {
  gid: string;
  name: string;
  /** What the thank-you page would hand the extension (`orderConfirmation.number`). */
  confirmationNumber: string | null;
  amountKes: number | null;
  currency: string;
  shopify: Pick<StandinOrder, "displayFinancialStatus" | "outstanding" | "received" | "tags" | "transactions"> | null;
};

/** The demo shop's orders as the app recorded them (orders/create), with their state in Shopify. */
export async function demoOrders(db: Db, config: SandboxConfig): Promise<SandboxOrder[]> {
  const rows = await db.mpesaOrder.findMany({ where: { shopDomain: DEMO_SHOP }, orderBy: { createdAt: "asc" } });
  const standin = config.adminApiOrigin ? standinControl(config.adminApiOrigin) : null;
  return Promise.all(
    rows.map(async (row) => {
      const order = standin ? await standin.order(row.orderGid) : null;
      return {
        gid: row.orderGid,
        name: row.orderName ?? order?.name ?? row.orderGid,
        confirmationNumber: row.confirmationNumber,
        amountKes: row.outstandingKes,
        currency: row.currency,
        shopify: order && {
          displayFinancialStatus: order.displayFinancialStatus,
          outstanding: order.outstanding,
          received: order.received,
          tags: order.tags,
          transactions: order.transactions,
        },
      };
    }),
  );
}

// Even sandbox values are shown masked: the page teaches what flows where, not the values of secrets.
const SECRET_KEYS = new Set(["Password", "SecurityCredential", "access_token", "InitiatorPassword"]);
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) ? "••••" : redactSecrets(v)]),
    );
  }
  return value;
}

const settle = <T>(p: Promise<T>, fallback: T) => p.catch(() => fallback);

/** The live "underneath" panel: Daraja requests, stored callbacks, Shopify mutations, newest first. */
export async function activity(db: Db, config: SandboxConfig, limit = 15) {
  const emulator = emulatorControl(config.darajaSandboxBaseUrl);
  const standin = config.adminApiOrigin ? standinControl(config.adminApiOrigin) : null;
  const [daraja, callbacks, mutations, orders] = await Promise.all([
    settle(emulator.requests(), null),
    // The demo shop's callbacks only (and unattributed ones: C2B before attribution), never other shops'.
    db.callbackLog.findMany({
      where: { OR: [{ shopDomain: DEMO_SHOP }, { shopDomain: null }] },
      orderBy: { receivedAt: "desc" },
      take: limit,
    }),
    standin ? settle(standin.mutations(), null) : Promise.resolve(null),
    demoOrders(db, config),
  ]);
  return {
    daraja:
      daraja &&
      daraja
        .slice(-limit)
        .reverse()
        .map(({ id, at, method, path, body, status, response }) => ({
          id,
          at,
          method,
          path,
          status,
          body: maskPhonesDeep(redactSecrets(body)),
          response: maskPhonesDeep(redactSecrets(response)),
        })),
    callbacks: callbacks.map((c) => ({
      id: c.id,
      kind: c.kind,
      status: c.status,
      error: c.error && maskPhonesInText(c.error),
      receivedAt: c.receivedAt.toISOString(),
      body: maskPhonesInDocument(c.body),
    })),
    mutations: mutations && (maskPhonesDeep(mutations.slice(-limit).reverse()) as typeof mutations),
    orders,
  };
}
export type SandboxActivity = Awaited<ReturnType<typeof activity>>;
