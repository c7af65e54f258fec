import type { AttemptView } from "@mpesa-checkout/pay-contract";
import { maskMsisdn } from "../../lib/phone-mask";
import { canRetry, messageFor, type AttemptStatus } from "./attempt-status";

// What the checkout extension sees of an attempt (the shared contract: packages/pay-contract).
export type { AttemptView };

export interface AttemptRow {
  id: string;
  status: string;
  amountKes: number;
  msisdn: string | null;
  mpesaReceipt: string | null;
  resultCode: string | null;
  failureStage: string | null;
}

export function toAttemptView(a: AttemptRow): AttemptView {
  return {
    id: a.id,
    status: a.status as AttemptStatus,
    amountKes: a.amountKes,
    phoneMasked: maskMsisdn(a.msisdn),
    ...(a.status === "SUCCEEDED" && a.mpesaReceipt ? { receipt: a.mpesaReceipt } : {}),
    ...(a.resultCode ? { resultCode: a.resultCode } : {}),
    message: messageFor(a),
    canRetry: canRetry(a),
  };
}
