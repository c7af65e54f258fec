import type { PaymentAttempt } from "@prisma/client";
import { isOrderGid } from "../shopify/order-id";
import { logger } from "../../lib/logger.server";
import { maskMsisdn } from "../../lib/phone-mask";
import { DarajaAuthError, DarajaError, InvalidPhoneNumberError } from "../daraja/errors";
import { normalizeMsisdn } from "../daraja/phone";
import { renderAccountReference } from "../settings/account-reference";
import {
  failBeforePrompt,
  findLiveAttempt,
  getAttempt,
  insertPendingAttempt,
  markStkOutcomeUnknown,
  storeStkAck,
  withdrawUnsentAttempt,
} from "./attempts.server";
import { newCallbackToken } from "../daraja-events/common/callback-token.server";
import type { PaymentsConfig, PaymentsDeps } from "./deps.server";
import { loadPayableOrder } from "./load-order.server";
import { rememberPayingOrder } from "./remember-order.server";
import { parseConfirmationNumber } from "./order-binding";
import { orderNumberOf, REFUSAL_MESSAGES, type RefusalCode } from "./payability";

// Use case "Pay": the shopper taps Pay in the checkout extension. The amount is the order's
// outstanding balance read from Shopify; the browser only chooses the order and the phone.

export type StartPaymentOutcome =
  | { kind: "started" | "existing"; attempt: PaymentAttempt }
  | {
      kind: "refused";
      httpStatus: 404 | 409 | 422;
      code: RefusalCode | "INVALID_PHONE" | "INVALID_REQUEST" | "TOO_MANY_PHONES";
      message: string;
    }
  | { kind: "rate_limited"; retryAfterSeconds: number; message: string }
  /** Daraja could not be reached (or was busy) before anything was sent: the attempt is FAILED. */
  | { kind: "unavailable"; retryAfterSeconds: number; message: string };

const TOO_MANY_PHONES_MESSAGE =
  "This order has already been sent to several different phone numbers. Use one of those numbers, or contact the shop.";

export interface StartPaymentInput {
  shop: string;
  orderGid: unknown;
  /** The order's confirmation number as the extension has it: binds the request to the order. */
  confirmationNumber: unknown;
  phone: unknown;
  clientIp: string | null;
  /** The customer the session token names, if any: only their own orders can be paid. */
  customerGid?: string;
}

const refused = (code: RefusalCode): StartPaymentOutcome => ({
  kind: "refused",
  httpStatus: code === "ORDER_NOT_FOUND_YET" ? 404 : 409,
  code,
  message: REFUSAL_MESSAGES[code],
});

export type StartPaymentDeps = Pick<PaymentsDeps, "db" | "now" | "shopConfig" | "orders" | "daraja" | "consumePush"> & {
  config: Pick<PaymentsConfig, "callbackBaseUrl" | "payRetryAfterSeconds">;
};

export async function startPayment(deps: StartPaymentDeps, input: StartPaymentInput): Promise<StartPaymentOutcome> {
  const { shop } = input;
  if (!isOrderGid(input.orderGid)) {
    return {
      kind: "refused",
      httpStatus: 422,
      code: "INVALID_REQUEST",
      message: "orderId must be a Shopify order id.",
    };
  }
  const orderGid = input.orderGid;
  const confirmationNumber = parseConfirmationNumber(input.confirmationNumber);
  if (!confirmationNumber) {
    return {
      kind: "refused",
      httpStatus: 422,
      code: "INVALID_REQUEST",
      message: "confirmationNumber must be the order's confirmation number.",
    };
  }
  // Always a fresh read: the amount charged is Shopify's outstanding balance now.
  const loaded = await loadPayableOrder(
    deps,
    shop,
    orderGid,
    { confirmationNumber, customerGid: input.customerGid },
    { fresh: true },
  );
  if (!loaded.payable) return refused(loaded.reason);
  const { order, config, amountKes } = loaded;

  let msisdn: string;
  try {
    msisdn = normalizeMsisdn(typeof input.phone === "string" || typeof input.phone === "number" ? input.phone : "");
  } catch (error) {
    if (!(error instanceof InvalidPhoneNumberError)) throw error;
    return {
      kind: "refused",
      httpStatus: 422,
      code: "INVALID_PHONE",
      message: `${error.message}. Use a number like 0712 345 678.`,
    };
  }

  // A second Pay while a prompt is live gets that prompt back (double click, two tabs) without
  // counting against the limits; the unique liveKey below settles races between instances.
  const live = await findLiveAttempt(deps.db, shop, orderGid);
  if (live) return { kind: "existing", attempt: live };

  const token = newCallbackToken();
  const { attempt, created } = await insertPendingAttempt(deps.db, {
    shopDomain: shop,
    orderGid,
    orderName: order.name,
    amountKes,
    msisdn,
    phoneMatchesOrder: order.phoneCandidates.some((candidate) => sameMsisdn(candidate, msisdn)),
    environment: config.environment,
    callbackTokenHash: token.hash,
    mpesaAccountId: config.accountId,
  });
  if (!created) return { kind: "existing", attempt };
  await rememberPayingOrder(deps.db, shop, order, config.accountReferenceTemplate);

  // Only the request that claimed the live prompt counts against the limits: concurrent duplicates
  // (double click, two tabs) got that same attempt above and never reach this point. A refused
  // claim is withdrawn before anything was sent, as if the request had never come.
  const withdraw = () => withdrawUnsentAttempt(deps.db, attempt.id);
  const verdict = await deps.consumePush({ shop, orderGid, msisdn, clientIp: input.clientIp }).catch(async (error) => {
    await withdraw();
    throw error;
  });
  if (!verdict.allowed) {
    await withdraw();
    if (verdict.limit === "phones") {
      return { kind: "refused", httpStatus: 409, code: "TOO_MANY_PHONES", message: TOO_MANY_PHONES_MESSAGE };
    }
    if (verdict.limit === "store") {
      return {
        kind: "unavailable",
        retryAfterSeconds: verdict.retryAfterSeconds,
        message: "Payments are busy right now. Nothing was sent to your phone; please try again in a moment.",
      };
    }
    return {
      kind: "rate_limited",
      retryAfterSeconds: verdict.retryAfterSeconds,
      message: `Too many payment requests. Please wait ${verdict.retryAfterSeconds} seconds and try again.`,
    };
  }

  const log = logger.child({ attemptId: attempt.id, shop, phone: maskMsisdn(msisdn), amountKes });
  const number = orderNumberOf(order);
  let pushed: PushVerdict = "sent";
  try {
    const ack = await deps.daraja(config).stkPush({
      businessShortCode: config.businessShortCode,
      passkey: config.passkey,
      transactionType: config.transactionType,
      amount: amountKes,
      phone: msisdn,
      partyB: config.partyB,
      callbackUrl: `${deps.config.callbackBaseUrl.replace(/\/$/, "")}/daraja/stk/${token.token}`,
      accountReference: renderAccountReference(config.accountReferenceTemplate, {
        orderNumber: number,
        orderName: order.name,
      }),
      transactionDesc: `Order ${number}`.slice(0, 13),
    });
    await storeStkAck(deps.db, attempt.id, ack);
    log.info({ checkoutRequestId: ack.checkoutRequestId }, "STK push sent");
  } catch (error) {
    pushed = await handlePushError(deps, attempt.id, error, log);
  }
  if (pushed === "unavailable") {
    return {
      kind: "unavailable",
      retryAfterSeconds: deps.config.payRetryAfterSeconds,
      message:
        "M-PESA is busy or cannot be reached right now. Nothing was sent to your phone; please try again in a moment.",
    };
  }
  const fresh = await getAttempt(deps.db, attempt.id);
  return { kind: "started", attempt: fresh };
}

/** The order's phone as written (any Kenyan form) is this MSISDN. */
function sameMsisdn(candidate: string, msisdn: string): boolean {
  try {
    return normalizeMsisdn(candidate) === msisdn;
  } catch {
    return false; // not a Kenyan mobile number, so not this one
  }
}

type PushVerdict = "sent" | "refused" | "unavailable" | "unknown";

/**
 * Decides by the error's `kind` alone (the Daraja client's contract): `final` and `retryable` mean no
 * prompt can reach the phone — refused by Daraja, or never sent (connection refused, OAuth down, spike
 * arrest) — so the attempt is FAILED and the order is free for a new Pay. Only `unknown` (sent, no
 * readable answer: `unknown-outcome`) leaves it PENDING for the callback or the recovery query.
 */
async function handlePushError(
  deps: Pick<PaymentsDeps, "db" | "now">,
  id: string,
  error: unknown,
  log: typeof logger,
): Promise<PushVerdict> {
  if (error instanceof DarajaError && error.kind !== "unknown-outcome") {
    const unavailable = error.kind === "retryable";
    // The prefix names the step that refused (the home page's health check reads it: health/setup-failures.ts).
    const what = unavailable
      ? "Daraja unavailable"
      : error instanceof DarajaAuthError
        ? "Daraja refused the consumer key/secret"
        : "Daraja refused the STK Push";
    const reason = `${what}: ${[error.errorCode, error.errorMessage].filter(Boolean).join(" ")}`;
    log.warn({ errorCode: error.errorCode, kind: error.kind, httpStatus: error.httpStatus }, reason);
    await failBeforePrompt(deps.db, id, reason, deps.now(), unavailable ? "stk_push_unavailable" : "stk_push_request");
    return unavailable ? "unavailable" : "refused";
  }
  // Sent, no answer (or a bug after sending): the prompt may be on the phone. Never resend; the
  // callback or the recovery query decides.
  log.error({ err: String(error) }, "STK push outcome unknown; left pending for recovery");
  await markStkOutcomeUnknown(deps.db, id);
  return "unknown";
}
