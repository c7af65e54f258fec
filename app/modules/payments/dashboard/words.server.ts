import { reasonWords } from "../../c2b/queue.server";
import { reviewGuidance } from "./review-guidance";
import { statusDisplay, type StatusTone } from "./status-display";

// Plain words for the merchant: what happened to a payment, never an internal code. Shared by the
// list, the detail page, the CSV export and the charts. Pure.

/** Daraja STK result codes (docs/DARAJA.md) as the merchant reads them; the chart groups by them too. */
const RESULT_WORDS: Record<string, string> = {
  "0": "Paid",
  "1": "Not enough money on M-PESA",
  "2": "Amount too small for M-PESA",
  "3": "Above the M-PESA limit for one payment",
  "4": "Above the customer's daily M-PESA limit",
  "8": "Your M-PESA account could not receive it",
  "17": "Repeat of the same payment blocked by M-PESA",
  "26": "M-PESA was busy",
  "1001": "Another M-PESA session was open on the phone",
  "1019": "Prompt expired",
  "1025": "Prompt could not be sent to the phone",
  "1032": "Cancelled by the customer",
  "1037": "Phone unreachable or prompt not answered in time",
  "2001": "Wrong M-PESA PIN",
  "2028": "Your M-PESA account does not allow this payment (check Settings)",
  "8006": "Customer's M-PESA PIN is locked",
  "9999": "Prompt could not be sent to the phone",
  SFC_IC0003: "Shortcode and till do not fit together (check Settings)",
};

/** A Daraja result code in words ("1032" -> "Cancelled by the customer"). */
export function resultCodeWords(code: string | null | undefined): string {
  if (code === null || code === undefined || code === "") return "";
  return RESULT_WORDS[code.trim()] ?? `Declined by M-PESA (code ${code.trim()})`;
}

export interface AttemptWordsInput {
  status: string;
  resultCode: string | null;
  failureStage: string | null;
  reviewCode: Parameters<typeof reviewGuidance>[0];
}

/** Why a prompt ended as it did, in one line ("" for a payment that simply went through or is waiting). */
export function attemptReason(a: AttemptWordsInput): string {
  switch (a.status) {
    case "SUCCEEDED":
    case "PENDING":
      return "";
    case "NEEDS_REVIEW":
      return reviewGuidance(a.reviewCode).summary;
  }
  if (a.resultCode) return resultCodeWords(a.resultCode);
  if (a.failureStage === "stk_push_request") return "M-PESA refused the payment request (nothing reached the phone)";
  if (a.failureStage === "stk_push_unavailable") return "M-PESA could not be reached (nothing reached the phone)";
  if (a.failureStage === "stk_push_timeout") return "M-PESA did not answer the payment request in time";
  if (a.status === "CANCELLED") return resultCodeWords("1032");
  if (a.status === "TIMED_OUT") return resultCodeWords("1037");
  return "The payment did not go through";
}

/** Where a failure happened, in words; "" when nothing failed (never a dash). */
export function failureStageWords(stage: string | null | undefined): string {
  switch (stage) {
    case null:
    case undefined:
    case "":
      return "";
    case "stk_push_request":
      return "Sending the payment request to M-PESA (M-PESA refused it)";
    case "stk_push_unavailable":
      return "Sending the payment request to M-PESA (M-PESA could not be reached)";
    case "stk_push_timeout":
      return "Sending the payment request to M-PESA (no answer in time)";
    default:
      return "Sending the payment request to M-PESA";
  }
}

const C2B_DISPLAY: Record<string, { label: string; tone: StatusTone }> = {
  APPLIED: { label: "Paid", tone: "success" },
  MATCHED: { label: "Being recorded", tone: "info" },
  UNMATCHED: { label: "Needs matching", tone: "critical" },
  DISMISSED: { label: "Not for an order", tone: undefined },
  STK_DUPLICATE: { label: "Same payment as a prompt", tone: undefined },
};

export function c2bStatusDisplay(status: string): { label: string; tone: StatusTone } {
  return C2B_DISPLAY[status] ?? { label: "Received", tone: undefined };
}

export function c2bReason(p: { status: string; reason: string | null }): string {
  if (p.status === "STK_DUPLICATE") return "The same receipt already paid this order through the prompt";
  if (p.status === "MATCHED") return "";
  return p.reason ? reasonWords(p.reason) : "";
}

export { statusDisplay };

/** Callback log rows' state in words. */
export function callbackStatusWords(status: string): { label: string; tone: StatusTone } {
  switch (status) {
    case "RECEIVED":
      return { label: "Waiting to be processed", tone: "info" };
    case "PROCESSED":
      return { label: "Processed", tone: "success" };
    case "IGNORED":
      return { label: "Ignored (nothing to change)", tone: undefined };
    case "REJECTED":
      return { label: "Rejected (not trusted)", tone: "warning" };
    case "DEAD":
      return { label: "Could not be processed", tone: "critical" };
    default:
      return { label: "Received", tone: undefined };
  }
}

/** Callback kinds in words. */
export function callbackKindWords(kind: string): string {
  switch (kind) {
    case "STK":
      return "Payment prompt result";
    case "C2B_CONFIRMATION":
      return "Paybill/till payment";
    case "C2B_VALIDATION":
      return "Paybill/till check";
    default:
      return "Message from Safaricom";
  }
}

const REVIEW_NOTE = /^([A-Z_]+): (.*)$/s;
const NO_CHANGE = /^no change: attempt already ([A-Z_]+)$/;

/** The note the apply step left on a callback row, in words (review codes and states named plainly). */
export function callbackNoteWords(note: string): string {
  const same = NO_CHANGE.exec(note);
  if (same) return `Nothing changed: this payment was already ${statusDisplay(same[1]).label.toLowerCase()}.`;
  const review = REVIEW_NOTE.exec(note);
  if (review && isReviewCode(review[1])) return `Sent to review: ${reviewGuidance(review[1]).summary} (${review[2]})`;
  return note;
}

const isReviewCode = (v: string): v is NonNullable<Parameters<typeof reviewGuidance>[0]> =>
  reviewGuidance(v as never).code === v && v !== "UNCLASSIFIED";
