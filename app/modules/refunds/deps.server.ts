import type { PrismaClient } from "@prisma/client";
import type { AccountBalanceInput, B2cInput, InitiatorAck, ReversalInput, TransactionStatusInput } from "../daraja";
import type { AdminGraphql } from "../shopify/orders.server";
import type { ShopPaymentSettings } from "../settings/config.server";
import type { RefundAccount } from "./refund-account.server";

// What the refund use cases may be given from the outside world; the production composition is
// app/refunds.server.ts. Tests build only the part a use case declares.

export interface InitiatorClient {
  b2c(input: B2cInput): Promise<InitiatorAck>;
  reversal(input: ReversalInput): Promise<InitiatorAck>;
  transactionStatus(input: TransactionStatusInput): Promise<InitiatorAck>;
  accountBalance(input: AccountBalanceInput): Promise<InitiatorAck>;
}

/** Every delay here is a named setting in app/lib/env.server.ts. */
export interface RefundsConfig {
  callbackBaseUrl: string;
  /** REFUND_RESULT_WAIT_SECONDS: an acknowledged request with no result asks Transaction Status after this. */
  resultWaitMs: number;
  /** REFUND_QUERY_WAIT_SECONDS: a status or balance query with no answer is asked again after this. */
  queryWaitMs: number;
  /** REFUND_REVERSAL_WINDOW_HOURS: full refunds of receipts younger than this are Reversals. */
  reversalWindowMs: number;
}

export interface RefundsDeps {
  db: PrismaClient;
  now: () => Date;
  config: RefundsConfig;
  /** The account refunds are paid from, or null: the shop pays back by hand (refund-account.server.ts). */
  refundAccount: (shop: string) => Promise<RefundAccount | null>;
  daraja: (account: RefundAccount) => InitiatorClient;
  adminGraphql: (shop: string) => Promise<AdminGraphql>;
  shopPaymentSettings: (shop: string) => Promise<ShopPaymentSettings | null>;
}
