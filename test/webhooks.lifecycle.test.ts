import { afterAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import * as scopesUpdate from "../app/routes/webhooks.app.scopes_update";
import * as uninstalled from "../app/routes/webhooks.app.uninstalled";
import { deliver, webhookRequest } from "./support/webhooks";

afterAll(() => prisma.$disconnect());

let shopNo = 0;
async function installedShop(sessions = 2) {
  const shop = `lifecycle-${++shopNo}.myshopify.com`;
  await prisma.shop.create({ data: { domain: shop } });
  for (let i = 0; i < sessions; i++) {
    const online = i > 0;
    await prisma.session.create({
      data: {
        id: online ? `${shop}_${i}` : `offline_${shop}`,
        shop,
        state: "",
        isOnline: online,
        accessToken: `tok${i}`,
        scope: "read_orders",
      },
    });
  }
  return shop;
}

describe("app/uninstalled", () => {
  it("removes the shop's sessions and marks the shop uninstalled", async () => {
    const shop = await installedShop();
    const other = await installedShop(1);
    const response = await deliver(uninstalled, webhookRequest("app/uninstalled", { domain: shop }, { shop }));
    expect(response.status).toBe(200);
    expect(await prisma.session.count({ where: { shop } })).toBe(0);
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: shop } })).uninstalledAt).toBeInstanceOf(Date);
    expect(await prisma.session.count({ where: { shop: other } })).toBe(1);
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: other } })).uninstalledAt).toBeNull();
  });

  it("can run again (a second delivery, or a shop we never recorded)", async () => {
    const shop = `never-recorded.myshopify.com`;
    for (const webhookId of ["u-1", "u-2"]) {
      const response = await deliver(
        uninstalled,
        webhookRequest("app/uninstalled", { domain: shop }, { shop, webhookId }),
      );
      expect(response.status).toBe(200);
    }
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: shop } })).uninstalledAt).toBeInstanceOf(Date);
  });
});

describe("app/scopes_update", () => {
  it("writes the currently granted scopes to the shop's sessions", async () => {
    const shop = await installedShop();
    const payload = {
      id: 1,
      previous: ["read_orders"],
      current: ["read_orders", "write_orders"],
      updated_at: new Date().toISOString(),
    };
    const response = await deliver(scopesUpdate, webhookRequest("app/scopes_update", payload, { shop }));
    expect(response.status).toBe(200);
    const scopes = (await prisma.session.findMany({ where: { shop } })).map((s) => s.scope);
    expect(scopes).toEqual(["read_orders,write_orders", "read_orders,write_orders"]);
  });

  it("rejects a payload without the current scopes (400) and changes nothing", async () => {
    const shop = await installedShop(1);
    const response = await deliver(
      scopesUpdate,
      webhookRequest("app/scopes_update", { previous: [] }, { shop, webhookId: "s-bad" }),
    );
    expect(response.status).toBe(400);
    expect((await prisma.session.findFirstOrThrow({ where: { shop } })).scope).toBe("read_orders");
    expect(await prisma.webhookDelivery.count({ where: { webhookId: "s-bad" } })).toBe(0);
  });
});
