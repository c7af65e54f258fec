import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statementFile, syntheticStatement } from "../emulator/statement";
import { SHOP, startHarness, type Harness } from "./support/payments-harness";

// The statement upload through the BUILT server (server.mjs): the route bounds its own body, so a
// statement larger than REQUEST_MAX_BYTES reaches it, and one larger than STATEMENT_MAX_BYTES is refused
// while it streams.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ appEnv: { REQUEST_MAX_BYTES: "65536", STATEMENT_MAX_BYTES: "262144" } });
});
afterAll(async () => {
  await h?.close();
});

async function upload(bytes: Buffer, name: string) {
  // A signed embedded-admin URL (id_token), as App Bridge sends it.
  const signed = await setUpValidRequest(
    {
      type: RequestType.Admin,
      store: SHOP.replace(".myshopify.com", ""),
      apiKey: "testApiKey",
      apiSecretKey: "testApiSecretKey",
    },
    new Request("https://my-test-app.myshopify.io/app/reconciliation/import"),
  );
  const url = new URL(signed.url);
  url.searchParams.set("_data", "routes/app.reconciliation.import"); // as useFetcher submits: JSON back
  const form = new FormData();
  form.append("statement", new File([new Uint8Array(bytes)], name, { type: "text/csv" }));
  const res = await fetch(`${h.app.url}${url.pathname}${url.search}`, {
    method: "POST",
    body: form,
    // A browser's: the Shopify library answers 410 to requests that look like bots.
    headers: {
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    },
  });
  return { status: res.status, text: await res.text() };
}

describe("statement upload through server.mjs", () => {
  it("a statement over REQUEST_MAX_BYTES but under STATEMENT_MAX_BYTES is imported", async () => {
    const bytes = await statementFile(syntheticStatement({ rows: 1000, shortCode: "174379", seed: 4 }), "csv");
    expect(bytes.length).toBeGreaterThan(65536);
    expect(bytes.length).toBeLessThan(262144);
    const res = await upload(bytes, "statement.csv");
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text).result).toMatchObject({ status: "IMPORTED", rows: 1000, newRows: 1000 });
    expect(await h.db.statementRow.count({ where: { shopDomain: SHOP } })).toBe(1000);
  });

  it("a statement over STATEMENT_MAX_BYTES is refused with 413 and nothing is stored", async () => {
    const bytes = await statementFile(syntheticStatement({ rows: 3000, shortCode: "174379", seed: 5 }), "csv");
    expect(bytes.length).toBeGreaterThan(262144 + 65536);
    const before = await h.db.statementImport.count();
    const res = await upload(bytes, "big.csv");
    expect(res.status).toBe(413);
    expect(await h.db.statementImport.count()).toBe(before);
  });
});
