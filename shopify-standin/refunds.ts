import crypto from "node:crypto";
import { toDecimal } from "./money";
import { type StandinOrder, type StandinState } from "./state";
import { moneyBag, transactionView } from "./views";

// Refunds as the merchant's admin makes them: Order.suggestedRefund (what may go back, per parent
// SALE, oldest first) and a refund made "in the admin" through the control API, which Shopify then
// announces to the app with the `refunds/create` webhook — REST-shaped, values lower-case, signed
// with the app secret (HMAC-SHA256 of the raw body, base64) and the X-Shopify-* headers.

export interface SuggestedPart {
  parentId: number;
  gateway: string;
  amountCents: number;
  maximumCents: number;
}

/** Each successful SALE's refundable remainder (its amount less the REFUNDs that name it as parent). */
function refundableParents(order: StandinOrder) {
  const sales = order.transactions.filter((t) => t.kind === "SALE" && t.status === "SUCCESS");
  return sales.map((sale) => {
    const back = order.transactions
      .filter((t) => t.kind === "REFUND" && t.status === "SUCCESS" && t.parentId === sale.id)
      .reduce((s, t) => s + t.amountCents, 0);
    return { sale, left: Math.max(0, sale.amountCents - back) };
  });
}

/** `amountCents` undefined: everything still refundable (suggestFullRefund). */
export function suggestRefund(order: StandinOrder, amountCents?: number): SuggestedPart[] {
  const parents = refundableParents(order);
  let want = amountCents ?? parents.reduce((s, p) => s + p.left, 0);
  const parts: SuggestedPart[] = [];
  for (const { sale, left } of parents) {
    if (want <= 0) break;
    const take = Math.min(want, left);
    if (take <= 0) continue;
    parts.push({ parentId: sale.id, gateway: sale.gateway, amountCents: take, maximumCents: left });
    want -= take;
  }
  return parts;
}

/** The GraphQL `Order.suggestedRefund` field. Line items are not modelled: the whole order's money. */
export function suggestedRefundView(order: StandinOrder) {
  return (args: { suggestFullRefund?: boolean | null; refundLineItems?: unknown[] | null }) => {
    if (args.refundLineItems && args.refundLineItems.length > 0 && !args.suggestFullRefund)
      throw new Error("Shopify stand-in: suggestedRefund by line items is not implemented (use suggestFullRefund)");
    const parts = suggestRefund(order);
    const total = parts.reduce((s, p) => s + p.amountCents, 0);
    return {
      __typename: "SuggestedRefund",
      amountSet: moneyBag(order, total),
      maximumRefundableSet: moneyBag(order, total),
      subtotalSet: moneyBag(order, total),
      totalTaxSet: moneyBag(order, 0),
      refundLineItems: [],
      suggestedTransactions: parts.map((p) => {
        const parent = order.transactions.find((t) => t.id === p.parentId)!;
        return {
          __typename: "SuggestedOrderTransaction",
          kind: "SUGGESTED_REFUND",
          gateway: p.gateway,
          formattedGateway: p.gateway,
          amountSet: moneyBag(order, p.amountCents),
          maximumRefundableSet: moneyBag(order, p.maximumCents),
          parentTransaction: transactionView(order, parent),
        };
      }),
    };
  };
}

export interface WebhookTarget {
  /** The app's base URL: deliveries go to `<url>/webhooks/<topic>`. */
  url: string;
  /** The app's API secret key (SHOPIFY_API_SECRET). */
  secret: string;
  apiVersion?: string;
}

export interface AdminRefundResult {
  refund: { id: string; legacyResourceId: number; amount: string; transactions: number[] };
  delivery: { topic: string; status: number | null; error: string | null; webhookId: string } | null;
}

let refundSeq = 7_000_000_000;

/**
 * The merchant refunds `amountCents` (undefined: all that is left) of an order in the admin: REFUND
 * transactions against the parent SALEs as suggestedRefund splits them, then `refunds/create` to the
 * app when a webhook target is set. Throws when there is nothing to refund or too much is asked.
 */
export async function adminRefund(
  state: StandinState,
  order: StandinOrder,
  opts: { amountCents?: number; note?: string | null; target: WebhookTarget | null },
): Promise<AdminRefundResult> {
  const refundable = suggestRefund(order).reduce((s, p) => s + p.amountCents, 0);
  if (opts.amountCents !== undefined && !(opts.amountCents > 0)) throw new Error("amount must be positive");
  if (refundable <= 0) throw new Error("nothing left to refund on this order");
  if (opts.amountCents !== undefined && opts.amountCents > refundable)
    throw new Error(`at most ${toDecimal(refundable)} can be refunded`);
  const parts = suggestRefund(order, opts.amountCents);
  const txs = parts.map((p) => state.addTransaction(order, "REFUND", p.amountCents, p.gateway, undefined, p.parentId));
  const id = ++refundSeq;
  const gid = `gid://shopify/Refund/${id}`;
  const total = parts.reduce((s, p) => s + p.amountCents, 0);
  state.refunds.push({ shop: order.shop, orderGid: order.gid, id: gid, note: opts.note ?? null, amountCents: total });
  const createdAt = new Date().toISOString();
  const payload = {
    id,
    admin_graphql_api_id: gid,
    order_id: order.id,
    created_at: createdAt,
    processed_at: createdAt,
    note: opts.note ?? null,
    restock: false,
    user_id: null,
    refund_line_items: [],
    order_adjustments: [],
    transactions: txs.map((t) => ({
      id: t.id,
      admin_graphql_api_id: `gid://shopify/OrderTransaction/${t.id}`,
      order_id: order.id,
      kind: "refund",
      status: "success",
      gateway: t.gateway,
      manual_payment_gateway: t.manualPaymentGateway,
      amount: (t.amountCents / 100).toFixed(2),
      currency: order.currencyCode,
      parent_id: t.parentId ?? null,
      created_at: t.createdAt,
      processed_at: t.processedAt,
      test: order.test,
    })),
  };
  const refund = { id: gid, legacyResourceId: id, amount: toDecimal(total), transactions: txs.map((t) => t.id) };
  if (!opts.target) return { refund, delivery: null };
  return { refund, delivery: await deliverWebhook(opts.target, order.shop, "refunds/create", payload) };
}

/** One delivery, signed as Shopify signs it. Shopify retries failures for days; the caller may send again. */
export async function deliverWebhook(target: WebhookTarget, shop: string, topic: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const webhookId = crypto.randomUUID();
  const hmac = crypto.createHmac("sha256", target.secret).update(body, "utf8").digest("base64");
  try {
    const res = await fetch(`${target.url.replace(/\/$/, "")}/webhooks/${topic}`, {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": hmac,
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": target.apiVersion ?? "2026-07",
        "X-Shopify-Webhook-Id": webhookId,
        "X-Shopify-Event-Id": crypto.randomUUID(),
        "X-Shopify-Triggered-At": new Date().toISOString(),
      },
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return { topic, status: res.status, error: null, webhookId };
  } catch (e) {
    return { topic, status: null, error: String((e as Error)?.message ?? e), webhookId };
  }
}
