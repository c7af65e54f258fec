import { DEMO_ORDERS } from "../../app/modules/sandbox/demo";
import {
  createDemoOrderInStandin,
  registerDemoShopInStandin,
  type StandinOrderSnapshot,
} from "../../app/modules/sandbox/demo-orders.server";

// The Shopify side of seeding: the demo shop and its orders exist in the Admin stand-in, and the app
// learns each order the way it does from a real shop — a signed `orders/create` webhook POSTed to it
// (app/modules/sandbox/demo-orders.server.ts, which the sandbox page's "Add a demo order" uses too).

export { deliverOrdersCreate, ordersCreatePayload, signedWebhook } from "../../app/modules/sandbox/demo-orders.server";

export async function createDemoOrdersInStandin(standinUrl: string): Promise<StandinOrderSnapshot[]> {
  await registerDemoShopInStandin(standinUrl);
  const orders: StandinOrderSnapshot[] = [];
  for (const demo of DEMO_ORDERS) orders.push(await createDemoOrderInStandin(standinUrl, demo));
  return orders;
}
