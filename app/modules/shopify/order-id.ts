// Shopify order ids, the one parser: the Admin GraphQL GID `gid://shopify/Order/<digits>`.

const ORDER_GID = /^gid:\/\/shopify\/Order\/(\d+)$/;

export function isOrderGid(value: unknown): value is string {
  return typeof value === "string" && ORDER_GID.test(value);
}

/** "gid://shopify/Order/123" -> "123"; null for anything else. */
export function orderNumericId(gid: string): string | null {
  return ORDER_GID.exec(gid)?.[1] ?? null;
}

/** A REST id (webhook payloads) as the GID the Admin API uses. */
export const orderGid = (orderId: string | number) => `gid://shopify/Order/${orderId}`;
