import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { embeddedAppUrl } from "./session-tokens.server";
import { standinControl, StandinRefusal } from "./control-apis.server";
import { DEMO_SHOP } from "./demo";
import { safetyProblems, type SandboxConfig } from "./page.server";

// "Refund this order in the admin" (sandbox only): the merchant refunds an M-PESA-paid demo order in
// the Shopify admin, played by the stand-in, which sends the app its refunds/create webhook. The
// app then holds a pending M-PESA refund for the merchant to approve on the payment's page.

type Db = Parameters<typeof safetyProblems>[0] & Pick<PrismaClient, "mpesaReceipt">;

export const AdminRefundForm = z.object({
  orderGid: z.string().min(1).max(100),
  /** Decimal shillings as typed in the admin; blank: refund everything left. */
  amount: z
    .string()
    .trim()
    .max(12)
    .regex(/^(\d+(\.\d{1,2})?)?$/, "the amount is a decimal like 500 or 499.50")
    .default(""),
});

export type AdminRefundOutcome =
  | {
      ok: true;
      refundedAmount: string;
      webhookStatus: number | null;
      /** The merchant's payment page in the embedded admin, where the pending refund waits. */
      paymentUrl: string | null;
    }
  | { ok: false; status: number; message: string };

export async function refundInAdmin(
  db: Db,
  config: SandboxConfig,
  keys: { apiKey: string; apiSecret: string },
  input: unknown,
): Promise<AdminRefundOutcome> {
  const problems = await safetyProblems(db, config);
  if (problems.length) return { ok: false, status: 503, message: problems.join("; ") };
  const form = AdminRefundForm.safeParse(input);
  if (!form.success) return { ok: false, status: 400, message: `Not a refund: ${form.error.issues[0].message}` };
  const { orderGid, amount } = form.data;
  const receipt = await db.mpesaReceipt.findFirst({
    where: { shopDomain: DEMO_SHOP, orderGid, shopifyRecordedAt: { not: null } },
    orderBy: { createdAt: "asc" },
  });
  if (!receipt) return { ok: false, status: 409, message: "This order was not paid with M-PESA through the app." };
  try {
    if (!config.adminApiOrigin) return { ok: false, status: 503, message: "No Shopify Admin stand-in is configured." };
    const answer = await standinControl(config.adminApiOrigin).refund(orderGid, amount || undefined);
    return {
      ok: true,
      refundedAmount: answer.refund.amount,
      webhookStatus: answer.delivery?.status ?? null,
      paymentUrl: receipt.attemptId
        ? await embeddedAppUrl(keys, DEMO_SHOP, `/app/payments/${receipt.attemptId}`)
        : null,
    };
  } catch (e) {
    if (e instanceof StandinRefusal) return { ok: false, status: 409, message: `The admin refused: ${e.message}.` };
    throw e;
  }
}
