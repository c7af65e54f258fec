import { maskMsisdn } from "../../lib/logger.server";
import { canRetry, messageFor, type AttemptStatus } from "./attempt-status";

// What the checkout extension sees of an attempt (contract: docs/ARCHITECTURE.md, AttemptView).
export interface AttemptView {
  id: string;
  status: AttemptStatus;
  amountKes: number;
  phoneMasked: string;
  receipt?: string;
  resultCode?: string;
  message: string;
  canRetry: boolean;
}

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
