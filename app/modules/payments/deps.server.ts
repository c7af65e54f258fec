import type { PrismaClient } from "@prisma/client";
import type { ShopDarajaConfig } from "../settings/config.server";
import type { RateLimitVerdict, PushSubject } from "./rate-limits.server";

// Everything the payment use cases need from the outside world, injected so that the flows can be
// exercised against a real database with the far side (Daraja, Shopify) swapped. The production
// wiring lives in wiring.server.ts.

export type AdminGraphql = (query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>;

export interface StkClient {
  stkPush(input: {
    businessShortCode: string;
    passkey: string;
    transactionType: "CustomerPayBillOnline" | "CustomerBuyGoodsOnline";
    amount: number;
    phone: string;
    partyB: string;
    callbackUrl: string;
    accountReference: string;
    transactionDesc: string;
  }): Promise<{ merchantRequestId: string; checkoutRequestId: string }>;
  stkQuery(input: {
    businessShortCode: string;
    passkey: string;
    checkoutRequestId: string;
  }): Promise<{ state: "pending" } | { state: "final"; resultCode: string; resultDesc: string }>;
}

export interface PaymentsConfig {
  callbackBaseUrl: string;
  /** undefined: on for production shops, off for sandbox (STK_VERIFY_WITH_QUERY). */
  verifyWithQuery: boolean | undefined;
  darajaTimeoutMs: number;
  recoveryAfterMs: number;
  recoveryIntervalMs: number;
  recoveryMaxQueries: number;
  callbackAllowlist: string[];
}

export interface PaymentsDeps {
  db: PrismaClient;
  now: () => Date;
  config: PaymentsConfig;
  shopConfig: (shop: string) => Promise<ShopDarajaConfig | null>;
  daraja: (config: ShopDarajaConfig) => StkClient;
  adminGraphql: (shop: string) => Promise<AdminGraphql>;
  consumePush: (subject: PushSubject) => Promise<RateLimitVerdict>;
}

export function verifiesWithQuery(deps: PaymentsDeps, environment: string): boolean {
  return deps.config.verifyWithQuery ?? environment === "production";
}
