import path from "node:path";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import { getPage, storeSession } from "./settings.helpers";
import { saveShopSetup } from "../app/modules/settings/use-cases.server";
import prisma from "../app/db.server";
import { SANDBOX_PASSKEY, validForm } from "./settings.fixtures";

// Server-renders the built pages (build/server, made by the test global setup) as a document
// request, so Polaris markup errors and secrets in the HTML are caught, not only in loader data.

let handle: (request: Request) => Promise<Response>;

beforeAll(async () => {
  const build = (await import(path.resolve(import.meta.dirname, "..", "build", "server", "index.js"))) as ServerBuild;
  handle = createRequestHandler(build, "production");
  await storeSession();
  await saveShopSetup(
    { db: prisma },
    "test-shop.myshopify.com",
    validForm({ initiatorName: "testapi", initiatorPassword: "Safaricom999!*!" }),
  );
});

describe("rendered settings and home pages", () => {
  it("renders the accounts and the shop-wide form with masked secrets only", async () => {
    const res = await handle(await getPage("/app/settings"));
    const html = await res.text();
    expect(res.status).toBe(200);
    // Every field posts under the name the action reads.
    for (const name of [
      "paymentMethodName",
      "accountReferenceTemplate",
      "initiatorName",
      "initiatorPassword",
      "securityCredential",
    ]) {
      expect(html).toContain(`name="${name}"`);
    }
    expect(html).toContain("M-PESA accounts");
    expect(html).toContain("Paybill 174379");
    expect(html).toContain("Default: customers are prompted to pay this one");
    expect(html).toContain("Not registered");
    expect(html).toContain("Register URLs");
    expect(html).toContain("head office → store → till");
    expect(html).toContain("Stored. Leave empty to keep it.");
    expect(html).not.toContain("••••");
    expect(html).toContain("Order #1234 → &quot;INV1234&quot;");
    expect(html).toContain("/daraja/stk/…");
    for (const secret of ["emulator-consumer-secret", SANDBOX_PASSKEY, "Safaricom999!*!"])
      expect(html).not.toContain(secret);
  });

  it("renders a shop without accounts with the new-account form open", async () => {
    const shop = "fresh-shop.myshopify.com";
    await storeSession(shop);
    const res = await handle(await getPage("/app/settings", shop));
    const html = await res.text();
    expect(res.status).toBe(200);
    for (const name of [
      "label",
      "environment",
      "shortcodeType",
      "businessShortCode",
      "consumerKey",
      "consumerSecret",
      "passkey",
      "c2bVersion",
      "c2bResponseType",
      "c2bValidationEnabled",
    ]) {
      expect(html).toContain(`name="${name}"`);
    }
    expect(html).toContain("Add an M-PESA account");
    expect(html).toContain("Safaricom must first turn on external validation");
    expect(html).toContain("Completed: take the payment anyway");
  });

  it("renders the home page status and checklist", async () => {
    const res = await handle(await getPage("/app"));
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("Sandbox");
    expect(html).toContain("Manual payment methods");
  });
});
