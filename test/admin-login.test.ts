import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "./support/app-server";

// Opening the app outside the Shopify admin (no shop, no session token) used to end in an HTTP 500
// with a developer message ("Detected call to shopify.authenticate.admin() from configured login
// path"): the library redirects such visits to /auth/login and no route answered there. The login
// page asks for the store and hands the merchant to Shopify's install/OAuth flow.

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ DATABASE_URL: process.env.DATABASE_URL!, NODE_ENV: "production" });
});
afterAll(async () => {
  await app?.kill();
});

// A browser's user agent: the Shopify library answers 410 to requests that look like bots (curl, fetch).
const browser = {
  "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
};

async function postShop(shop: string) {
  return fetch(`${app.url}/auth/login`, {
    method: "POST",
    headers: browser,
    body: new URLSearchParams({ shop }),
    redirect: "manual",
  });
}

describe("admin login page", () => {
  it("a visit to /app without a shop lands on the login form, not an error", async () => {
    const first = await fetch(`${app.url}/app`, { redirect: "manual", headers: browser });
    expect([301, 302]).toContain(first.status);
    expect(new URL(first.headers.get("location")!, app.url).pathname).toBe("/auth/login");

    const res = await fetch(`${app.url}/auth/login`, { headers: browser });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Log in to M-PESA Checkout");
    expect(html).toContain('name="shop"');
    expect(html).not.toContain("authenticate.admin");
  });

  it("a missing or invalid store domain is refused with a message, a valid one goes to Shopify", async () => {
    const missing = await postShop("");
    expect(missing.status).toBe(200);
    expect(await missing.text()).toContain("Enter your store&#x27;s domain");

    const invalid = await postShop("evil.example.com/steal");
    expect(invalid.status).toBe(200);
    expect(await invalid.text()).toContain("not a Shopify store domain");

    const valid = await postShop("my-shop");
    expect(valid.status).toBe(302);
    const location = new URL(valid.headers.get("location")!);
    expect(location.host).toBe("admin.shopify.com");
    expect(location.pathname).toBe("/store/my-shop/oauth/install");
    expect(location.searchParams.get("client_id")).toBe("testApiKey");
  });
});
