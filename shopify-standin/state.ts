import crypto from "node:crypto";
import { toCents } from "./money";
import type { FlowTriggerDefinition, ReceivedFlowTrigger } from "./flow";

// In-memory Shopify: shops (access tokens) and their orders with transactions, metafields and tags.
// Payment rules follow the Admin API docs for manual payment methods (see README.md).

export interface StandinTransaction {
  id: number;
  kind: "SALE" | "REFUND";
  status: "SUCCESS";
  gateway: string;
  manualPaymentGateway: boolean;
  amountCents: number;
  processedAt: string;
  createdAt: string;
  parentId?: number;
}

export interface StandinMetafield {
  id: number;
  namespace: string;
  key: string;
  type: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface StandinOrder {
  id: number;
  gid: string;
  shop: string;
  name: string;
  /** null: an order from before Shopify had confirmation numbers (2024). */
  confirmationNumber: string | null;
  currencyCode: string;
  presentmentCurrencyCode: string;
  /** shop-currency cents per presentment cent (1 when both currencies are the same) */
  shopMoneyRate: number;
  totalCents: number;
  phone: string | null;
  email: string | null;
  customer: { id: string; phone: string | null } | null;
  billingPhone: string | null;
  shippingPhone: string | null;
  paymentGatewayNames: string[];
  cancelledAt: string | null;
  createdAt: string;
  test: boolean;
  transactions: StandinTransaction[];
  metafields: StandinMetafield[];
  tags: string[];
}

export interface CreateOrderInput {
  shop: string;
  total?: string | number;
  currencyCode?: string;
  presentmentCurrencyCode?: string;
  shopMoneyRate?: number;
  phone?: string | null;
  email?: string | null;
  customerPhone?: string | null;
  /** Default: a random 9-character one, as Shopify assigns; null: an order without one (pre-2024). */
  confirmationNumber?: string | null;
  /** The buyer's customer GID (default: one derived from the order id). */
  customerId?: string;
  billingPhone?: string | null;
  shippingPhone?: string | null;
  paymentGatewayNames?: string[];
  cancelled?: boolean;
  tags?: string[];
  /** Payments already recorded when the order is created (e.g. a deposit), as Decimal amounts. */
  paid?: string | number;
}

export const orderGid = (id: number) => `gid://shopify/Order/${id}`;
export const numericId = (gid: string, type: string) => {
  const m = new RegExp(`^gid://shopify/${type}/(\\d+)$`).exec(gid);
  return m ? Number(m[1]) : undefined;
};

export function sums(order: StandinOrder) {
  const ok = order.transactions.filter((t) => t.status === "SUCCESS");
  const paid = ok.filter((t) => t.kind === "SALE").reduce((s, t) => s + t.amountCents, 0);
  const refunded = ok.filter((t) => t.kind === "REFUND").reduce((s, t) => s + t.amountCents, 0);
  return { paid, refunded, outstanding: Math.max(0, order.totalCents - paid) };
}

export function financialStatus(order: StandinOrder): string {
  const { paid, refunded } = sums(order);
  if (refunded > 0) return refunded >= paid ? "REFUNDED" : "PARTIALLY_REFUNDED";
  if (paid >= order.totalCents && order.totalCents > 0) return "PAID";
  if (paid > 0) return "PARTIALLY_PAID";
  if (order.cancelledAt) return "VOIDED";
  return "PENDING";
}

export function canMarkAsPaid(order: StandinOrder): boolean {
  return !order.cancelledAt && sums(order).outstanding > 0 && financialStatus(order) !== "PAID";
}

export class StandinState {
  shops = new Map<string, string>(); // shop domain -> access token
  /** Shops registered as live (paying) stores; every other shop is a development store. */
  liveStores = new Set<string>();
  orders = new Map<number, StandinOrder>();
  /** Answers of idempotent mutations by "<shop>|<mutation>|<key>": a replay gets the first answer. */
  idempotent = new Map<string, () => unknown>();
  /** Refunds made through refundCreate, in order (the control API shows them). */
  refunds: { shop: string; orderGid: string; id: string; note: string | null; amountCents: number }[] = [];
  /** The app's Flow trigger extensions (flowTriggerReceive checks payloads against them). */
  flowTriggerDefinitions: FlowTriggerDefinition[] = [];
  /** Triggers flowTriggerReceive accepted, in order (the control API shows them). */
  flowTriggers: ReceivedFlowTrigger[] = [];
  private nextId = 5_000_000_001;
  private nextNumber = new Map<string, number>();
  private nextTxId = 9_000_000_001;
  private nextMetafieldId = 7_000_000_001;

  registerShop(shop: string, accessToken: string, opts: { developmentStore?: boolean } = {}) {
    this.shops.set(shop.toLowerCase(), accessToken); // shop domains are case-insensitive
    if (opts.developmentStore === false) this.liveStores.add(shop.toLowerCase());
    else this.liveStores.delete(shop.toLowerCase());
  }

  createOrder(input: CreateOrderInput): StandinOrder {
    const totalCents = toCents(input.total ?? "1500.00");
    if (!Number.isInteger(totalCents) || totalCents <= 0) throw new Error("total must be a positive Decimal");
    const id = this.nextId++;
    const number = this.nextNumber.get(input.shop.toLowerCase()) ?? 1001;
    this.nextNumber.set(input.shop.toLowerCase(), number + 1);
    const now = new Date().toISOString();
    const phone = input.phone === undefined ? "+254708374149" : input.phone;
    const order: StandinOrder = {
      id,
      gid: orderGid(id),
      shop: input.shop.toLowerCase(),
      name: `#${number}`,
      confirmationNumber:
        input.confirmationNumber !== undefined
          ? input.confirmationNumber
          : crypto
              .randomBytes(6)
              .toString("base64url")
              .replace(/[^A-Za-z0-9]/g, "X")
              .slice(0, 9)
              .toUpperCase(),
      currencyCode: input.currencyCode ?? "KES",
      presentmentCurrencyCode: input.presentmentCurrencyCode ?? input.currencyCode ?? "KES",
      shopMoneyRate: input.shopMoneyRate ?? 1,
      totalCents,
      phone,
      email: input.email === undefined ? "buyer@example.com" : input.email,
      customer: {
        id: input.customerId ?? `gid://shopify/Customer/${id + 1_000_000}`,
        phone: input.customerPhone ?? phone,
      },
      billingPhone: input.billingPhone ?? null,
      shippingPhone: input.shippingPhone ?? null,
      paymentGatewayNames: input.paymentGatewayNames ?? ["M-PESA"],
      cancelledAt: input.cancelled ? now : null,
      createdAt: now,
      test: false,
      transactions: [],
      metafields: [],
      tags: [...(input.tags ?? [])],
    };
    if (input.paid !== undefined)
      this.addTransaction(order, "SALE", toCents(input.paid), order.paymentGatewayNames[0] ?? "manual");
    this.orders.set(id, order);
    return order;
  }

  /** The order if it belongs to this shop (Shopify never shows another shop's order). */
  findOrder(shop: string, gidOrId: string | number): StandinOrder | undefined {
    const id =
      typeof gidOrId === "number" ? gidOrId : /^\d+$/.test(gidOrId) ? Number(gidOrId) : numericId(gidOrId, "Order");
    const order = id === undefined ? undefined : this.orders.get(id);
    return order && order.shop === shop ? order : undefined;
  }

  addTransaction(
    order: StandinOrder,
    kind: "SALE" | "REFUND",
    amountCents: number,
    gateway: string,
    processedAt?: string,
    parentId?: number,
  ) {
    const now = new Date().toISOString();
    const tx: StandinTransaction = {
      id: this.nextTxId++,
      kind,
      status: "SUCCESS",
      gateway,
      manualPaymentGateway: true,
      amountCents,
      processedAt: processedAt ?? now,
      createdAt: now,
      parentId,
    };
    order.transactions.push(tx);
    return tx;
  }

  upsertMetafield(order: StandinOrder, input: { namespace: string; key: string; type: string; value: string }) {
    const now = new Date().toISOString();
    const existing = order.metafields.find((m) => m.namespace === input.namespace && m.key === input.key);
    if (existing) {
      Object.assign(existing, { type: input.type, value: input.value, updatedAt: now });
      return existing;
    }
    const created: StandinMetafield = { id: this.nextMetafieldId++, ...input, createdAt: now, updatedAt: now };
    order.metafields.push(created);
    return created;
  }

  resetOrders() {
    this.orders.clear();
    this.flowTriggers = [];
    this.nextNumber.clear();
  }
}
