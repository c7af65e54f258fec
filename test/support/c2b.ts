import type { PrismaClient } from "@prisma/client";
import { newCallbackToken } from "../../app/modules/daraja-events/common/callback-token.server";
import { findDefaultReceivingAccount, recordC2bRegistration } from "../../app/modules/settings/accounts.server";
import { ordersCreatePayload, signedWebhook } from "../../scripts/sandbox/shopify-side";
import type { OrderSnapshot } from "../../shopify-standin";
import type { Harness } from "./payments-harness";

// Paybill/till (C2B) helpers for tests through the built app: give a shop's receiving account C2B
// URLs (as a successful Register URL call records them), tell the app about an order the way Shopify
// does (a signed orders/create webhook), and build Daraja's confirmation / validation bodies.

export interface C2bUrls {
  token: string;
  accountId: string;
  shortCode: string;
  confirmation: string;
  validation: string;
}

export async function registerC2b(
  db: PrismaClient,
  appUrl: string,
  shop: string,
  opts: { validation?: boolean } = {},
): Promise<C2bUrls> {
  const account = await findDefaultReceivingAccount(db, shop);
  if (!account) throw new Error(`${shop} has no receiving account`);
  const { token, hash } = newCallbackToken();
  const base = `${appUrl}/daraja/c2b/${token}`;
  await recordC2bRegistration(db, shop, account.id, {
    ok: true,
    at: new Date(),
    tokenHash: hash,
    version: "v2",
    shortCode: account.businessShortCode,
    confirmationUrl: `${appUrl}/daraja/c2b/:token/confirmation`,
    validationUrl: `${appUrl}/daraja/c2b/:token/validation`,
  });
  await db.mpesaAccount.update({ where: { id: account.id }, data: { c2bValidationEnabled: !!opts.validation } });
  return {
    token,
    accountId: account.id,
    shortCode: account.businessShortCode,
    confirmation: `${base}/confirmation`,
    validation: `${base}/validation`,
  };
}

/** The app learns the order as from Shopify: a signed orders/create webhook. */
export async function announceOrder(h: Harness, order: OrderSnapshot) {
  const { raw, headers } = signedWebhook(
    "orders/create",
    order.shop,
    ordersCreatePayload(order as any),
    "testApiSecretKey",
  );
  const res = await fetch(`${h.app.url}/webhooks/orders/create`, { method: "POST", headers, body: raw });
  if (res.status !== 200) throw new Error(`orders/create answered ${res.status}`);
}

let seq = 0;
/** A receipt no other test uses ("TC" + 8 characters, the shape of M-PESA's). */
export const newReceipt = () =>
  `TC${Date.now().toString(36).toUpperCase().slice(-5)}${(seq++).toString(36).toUpperCase().padStart(3, "0")}`;

/** A v2 confirmation body (docs/C2B.md), values as Daraja sends them: strings. */
export function c2bBody(overrides: Record<string, unknown> = {}) {
  return {
    TransactionType: "Pay Bill",
    TransID: newReceipt(),
    TransTime: eatNow(),
    TransAmount: "1500.00",
    BusinessShortCode: "174379",
    BillRefNumber: "",
    InvoiceNumber: "",
    OrgAccountBalance: "84210.00",
    ThirdPartyTransID: "",
    MSISDN: "2547 ***** 678",
    FirstName: "JANE",
    MiddleName: "",
    LastName: "",
    ...overrides,
  };
}

function eatNow(): string {
  const d = new Date(Date.now() + 3 * 3600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}
