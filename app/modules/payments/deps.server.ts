import type { PrismaClient } from "@prisma/client";
import type { ShopDarajaConfig, ShopPaymentSettings } from "../settings/config.server";
import type { OrderReads } from "./order-reads.server";
import type { RateLimitVerdict, PushSubject, StatusSubject } from "./rate-limits.server";

// What the payment use cases may be given from the outside world. The production composition
// (app/payments.server.ts, a composition root) builds one PaymentsDeps; each use case declares the part it uses (e.g.
// SettleDeps, RecordDeps, RecoveryDeps), so tests build only that — against a real database with
// the far side (Daraja, Shopify) swapped. No business rule lives here (see verification.ts).

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

/** Every delay and limit here is a named setting in app/lib/env.server.ts. */
export interface PaymentsConfig {
  callbackBaseUrl: string;
  /** undefined: on for production shops, off for sandbox (STK_VERIFY_WITH_QUERY). */
  verifyWithQuery: boolean | undefined;
  darajaTimeoutMs: number;
  recoveryAfterMs: number;
  recoveryIntervalMs: number;
  recoveryMaxQueries: number;
  callbackAllowlist: string[];
  /** How long a callback that raced its STK Push answer waits for that answer (STK_ANSWER_WAIT_MS). */
  stkAnswerWaitMs: number;
  /** …for DARAJA_TIMEOUT_MS + this (STK_ANSWER_GRACE_MS), then the STK query decides. */
  stkAnswerGraceMs: number;
  /** How long one run may hold a receipt's Shopify write (SHOPIFY_RECORD_CLAIM_SECONDS). */
  recordClaimMs: number;
  /** Retry-After the Pay route answers while Daraja is down (PAY_RETRY_AFTER_SECONDS). */
  payRetryAfterSeconds: number;
}

export interface PaymentsDeps {
  db: PrismaClient;
  now: () => Date;
  config: PaymentsConfig;
  /** The decrypted Daraja configuration; null when the shop has no settings. */
  /** The shop's Daraja configuration: of that account when given (and still there), else the default's. */
  shopConfig: (shop: string, accountId?: string | null) => Promise<ShopDarajaConfig | null>;
  /** The non-secret settings (no decryption). */
  shopPaymentSettings: (shop: string) => Promise<ShopPaymentSettings | null>;
  /** The one Daraja client factory (one client per credentials, shared OAuth token). */
  daraja: (config: ShopDarajaConfig) => StkClient;
  /** The Shopify Admin wrapper (offline session, every call time-limited). */
  adminGraphql: (shop: string) => Promise<AdminGraphql>;
  /** The order from the Admin API; status polls may be served from a short-lived cache. */
  orders: OrderReads;
  consumePush: (subject: PushSubject) => Promise<RateLimitVerdict>;
  consumeStatusPoll: (subject: StatusSubject) => Promise<RateLimitVerdict>;
}
