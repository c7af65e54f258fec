import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { normalizeMsisdn } from "../daraja";
import { findDefaultReceivingAccount, receivingNumber } from "../settings/accounts.server";
import { emulatorControl, type EmulatorC2bResult } from "./control-apis.server";
import { DEMO_SHOP, PAYBILL_AMOUNTS, PAYBILL_TYPOS, paybillAmountFor, type PaybillAmount } from "./demo";
import { safetyProblems, type SandboxConfig } from "./page.server";

// The shopper pays the demo shop's paybill (or till) "from the M-PESA menu": the sandbox asks the
// Daraja emulator to play that customer (POST /__emulator/c2b/pay), and the emulator sends the app
// the C2B confirmation Safaricom would. What the shopper types as the account number is theirs to
// get wrong; how much they send is chosen against what the app holds as outstanding (never a
// browser's number), the shortcode is the demo shop's default receiving account.

type Db = Pick<PrismaClient, "mpesaAccount" | "mpesaOrder" | "callbackLog">;

const keys = <T extends object>(o: T) => Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];

export const PaybillForm = z.object({
  orderGid: z.string().min(1),
  amount: z.enum(keys(PAYBILL_AMOUNTS)),
  /** As typed in the M-PESA menu; Safaricom allows up to 20 characters. Ignored for a till. */
  billRef: z.string().max(20).default(""),
  typo: z.enum(keys(PAYBILL_TYPOS)).default("none"),
  phone: z.string().default("254712345678"),
  /** The confirmation never reaches the app (Safaricom does not re-send): verified later by its code. */
  lost: z.boolean().default(false),
});

export type PaybillOutcome =
  | {
      ok: true;
      amountKes: number;
      shortCode: string;
      kind: "paybill" | "till";
      lost: boolean;
      orderName: string | null;
      result: EmulatorC2bResult;
    }
  | { ok: false; status: number; message: string };

export async function payByPaybill(db: Db, config: SandboxConfig, input: unknown): Promise<PaybillOutcome> {
  const problems = await safetyProblems(db, config);
  if (problems.length) return { ok: false, status: 503, message: problems.join("; ") };
  const form = PaybillForm.safeParse(input);
  if (!form.success)
    return { ok: false, status: 400, message: `Not a payment the sandbox can play: ${form.error.issues[0].message}` };
  const { orderGid, amount, billRef, typo, phone, lost } = form.data;

  const [order, account] = await Promise.all([
    db.mpesaOrder.findUnique({ where: { shopDomain_orderGid: { shopDomain: DEMO_SHOP, orderGid } } }),
    findDefaultReceivingAccount(db, DEMO_SHOP),
  ]);
  if (!order) return { ok: false, status: 404, message: "The demo shop has no such order." };
  if (!account) return { ok: false, status: 409, message: "The demo shop has no receiving M-PESA account." };
  const due = order.outstandingKes ?? 0;
  const amountKes = paybillAmountFor(amount as PaybillAmount, due);
  if (due < 1 || amountKes === null)
    return { ok: false, status: 409, message: `Nothing to split: KES ${due} is left to pay on this order.` };
  let msisdn: string;
  try {
    msisdn = normalizeMsisdn(phone);
  } catch {
    return {
      ok: false,
      status: 400,
      message: `“${phone}” is not a Kenyan mobile number: enter one like 07XX XXX XXX (the phone box above pays from it).`,
    };
  }
  const kind = account.kind === "till" ? "till" : "paybill";
  if (kind === "paybill" && !billRef.trim())
    return { ok: false, status: 400, message: "A paybill payment needs an account number." };

  const result = await emulatorControl(config.darajaSandboxBaseUrl).c2bPay({
    shortCode: receivingNumber(account),
    amount: amountKes,
    msisdn,
    kind,
    ...(kind === "paybill" ? { billRef, ...(typo !== "none" ? { typo } : {}) } : {}),
    ...(lost ? { confirmation: "none" as const } : {}),
  });
  return { ok: true, amountKes, shortCode: receivingNumber(account), kind, lost, orderName: order.orderName, result };
}
