import type { PrismaClient } from "@prisma/client";
import { findDefaultReceivingAccount } from "../settings/accounts.server";
import { registerC2bUrls } from "../settings/c2b-registration.server";
import { secretBoxFromEnv } from "../settings/config.server";
import type { DemoAdminConfig } from "./config.server";
import { DEMO_ORDERS, DEMO_SHOP } from "./demo";
import {
  createDemoOrderInStandin,
  deliverOrdersCreate,
  forgetDemoOrders,
  nextDemoOrder,
  registerDemoShopInStandin,
} from "./demo-orders.server";
import { safetyProblems } from "./page.server";

// The sandbox page's "Add a demo order" and "Reset": the demo shop's orders are made as a real shop's
// are (stand-in order + signed orders/create webhook to the app), and a reset starts the demo over —
// the emulator and the stand-in forget what happened, the app forgets the demo shop's orders, payments
// and callbacks, the C2B URLs are registered again (the emulator forgot them) and the four demo orders
// are created afresh (new order ids: nothing cached for an old order applies to them).

export type DemoAdminOutcome = { ok: true; message: string } | { ok: false; status: number; message: string };

async function control(url: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
}

export async function addDemoOrder(db: PrismaClient, config: DemoAdminConfig): Promise<DemoAdminOutcome> {
  const problems = await safetyProblems(db, config);
  if (problems.length) return { ok: false, status: 503, message: problems.join("; ") };
  const existing = await db.mpesaOrder.count({ where: { shopDomain: DEMO_SHOP } });
  const demo = nextDemoOrder(existing);
  const order = await createDemoOrderInStandin(config.adminApiOrigin!, demo);
  await deliverOrdersCreate(config.appUrl, config.apiSecret, order, demo);
  return {
    ok: true,
    message: `Order ${order.name} (KES ${demo.totalKes.toLocaleString("en-KE")}) added for ${demo.customer}.`,
  };
}

export async function resetDemo(db: PrismaClient, config: DemoAdminConfig): Promise<DemoAdminOutcome> {
  const problems = await safetyProblems(db, config);
  if (problems.length) return { ok: false, status: 503, message: problems.join("; ") };
  const standin = config.adminApiOrigin!.replace(/\/$/, "");
  await control(`${config.darajaSandboxBaseUrl.replace(/\/$/, "")}/__emulator/reset`);
  await control(`${standin}/__standin/reset`);
  await forgetDemoOrders(db);
  const account = await findDefaultReceivingAccount(db, DEMO_SHOP);
  let c2b = "";
  if (account) {
    const registered = await registerC2bUrls(
      {
        db,
        box: secretBoxFromEnv(),
        callbackBaseUrl: config.callbackBaseUrl,
        baseUrl: config.darajaSandboxBaseUrl,
        timeoutMs: 5_000,
      },
      account,
    );
    if (!registered.ok) c2b = ` Registering the C2B URLs again failed: ${registered.message}`;
  }
  await registerDemoShopInStandin(standin);
  for (const demo of DEMO_ORDERS) {
    const order = await createDemoOrderInStandin(standin, demo);
    await deliverOrdersCreate(config.appUrl, config.apiSecret, order, demo);
  }
  return { ok: true, message: `The demo started over: ${DEMO_ORDERS.length} unpaid orders, no payments.${c2b}` };
}
