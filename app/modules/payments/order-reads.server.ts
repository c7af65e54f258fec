import { LRUCache } from "lru-cache";
import { getOrderForPayment, type PayableOrder } from "../shopify/order-for-payment";
import type { AdminGraphql } from "../shopify/admin-request";

// The Admin API order read behind Pay and the status poll, with a short-lived per-instance cache so
// that a shopper polling every few seconds costs one Admin query per `ttlMs`, not one per poll
// (issue 9 M5). Safe to share between callers: the cache holds Shopify's order only, keyed by shop
// and order id, and every request is still bound to the order (order-binding.ts) and checked against
// our own attempts on each read. Concurrent misses for one order share one Admin request (lru-cache
// `fetch`). Pay always reads fresh (the amount charged is Shopify's balance now) and refreshes the entry.

export interface OrderReads {
  read(shop: string, orderGid: string, opts?: { fresh?: boolean }): Promise<PayableOrder | null>;
}

export interface OrderReadsConfig {
  /** How long a read order serves later polls. */
  ttlMs: number;
  /** How long "not in Shopify yet" is remembered (the order may be being created: keep it short). */
  notFoundTtlMs: number;
  /** Most orders kept per instance. */
  max: number;
}

type Entry = { order: PayableOrder | null };
type Context = { shop: string; orderGid: string };

export function createOrderReads(
  adminGraphql: (shop: string) => Promise<AdminGraphql>,
  config: OrderReadsConfig,
): OrderReads {
  const cache = new LRUCache<string, Entry, Context>({
    max: config.max,
    ttl: Math.max(1, config.ttlMs),
    fetchMethod: async (_key, _stale, { options, context }) => {
      const order = await getOrderForPayment(await adminGraphql(context.shop), context.orderGid);
      if (!order) options.ttl = Math.max(1, config.notFoundTtlMs);
      return { order };
    },
  });
  return {
    async read(shop, orderGid, opts = {}) {
      const entry = await cache.fetch(`${shop}|${orderGid}`, {
        context: { shop, orderGid },
        forceRefresh: opts.fresh === true,
      });
      return entry?.order ?? null;
    },
  };
}
