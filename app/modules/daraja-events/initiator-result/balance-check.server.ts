import type { CallbackLog, PrismaClient } from "@prisma/client";
import { logger } from "../../../lib/logger.server";
import { MalformedPayloadError, parseAccountBalanceResult } from "../../daraja";
import { recordBalanceAnswer } from "../../settings/disbursement.server";
import { QUEUE_TIMEOUT_KIND } from "./store.server";

// Apply step of an Account Balance answer to a settings "Test connection" (a row with an accountId
// and no refund): the balances (or the failure in words) go on the account, where the settings page
// shows them. Idempotent: a processed row is skipped; an answer to an older request changes nothing.

/** What a failed Account Balance result code means for the merchant, naming the field to fix. */
export function balanceFailureInWords(code: string, desc: string): string {
  const known: Record<string, string> = {
    "2001": "the initiator password or security credential is wrong (Initiator password)",
    "18": "the initiator password or security credential is wrong (Initiator password)",
    "20": "M-PESA does not know this initiator (Initiator name)",
    "21": "the initiator may not act for this shortcode: give it the Balance Query ORG API role, or check the shortcode (Shortcode)",
    "22": "the initiator is inactive on the M-PESA org portal (Initiator name)",
  };
  const meaning = known[code];
  return meaning
    ? `Daraja refused the balance query: ${meaning} (${code} ${desc}).`
    : `Daraja refused the balance query (${code} ${desc}).`;
}

export async function applyAccountBalanceCheck(
  deps: { db: PrismaClient; now: () => Date },
  row: CallbackLog,
): Promise<void> {
  const close = (status: "PROCESSED" | "IGNORED", note: string | null) =>
    deps.db.callbackLog.updateMany({
      where: { id: row.id, status: "RECEIVED" },
      data: { status, error: note, processedAt: deps.now(), lockedBy: null, lockedUntil: null },
    });
  const tokenHash = row.tokenHash ?? "";
  let answer: Parameters<typeof recordBalanceAnswer>[3];
  if (row.kind === QUEUE_TIMEOUT_KIND) {
    answer = { ok: false, error: "M-PESA's queue timed the balance query out: press Test connection again." };
  } else {
    try {
      const r = parseAccountBalanceResult(JSON.parse(row.body) as unknown);
      answer =
        r.resultCode === "0"
          ? {
              ok: true,
              accounts: r.accounts.map((a) => ({ name: a.name, currency: a.currency, available: a.available })),
            }
          : { ok: false, error: balanceFailureInWords(r.resultCode, r.resultDesc) };
    } catch (error) {
      if (!(error instanceof MalformedPayloadError)) throw error;
      answer = { ok: false, error: `Daraja's balance answer could not be read (${error.issues.join("; ")}).` };
    }
  }
  const applied = await recordBalanceAnswer(deps.db, row.accountId!, tokenHash, answer, deps.now());
  await close(applied ? "PROCESSED" : "IGNORED", applied ? null : "answer to an older balance request");
  logger.info({ accountId: row.accountId, ok: answer.ok, applied }, "account balance answer applied");
}
