import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { action, loader } from "../app/routes/app.reconciliation.import";
import { statementFile, syntheticStatement } from "../emulator/statement";
import { getPage, SHOP, storeSession } from "./settings.helpers";

// The statement upload page through its route module: signed-in staff only, the file streamed to a
// temporary path under the size cap, imported, and the result answered.

const APP_URL = "https://my-test-app.myshopify.io";
const PATH = "/app/reconciliation/import";
const args = (request: Request) => ({ request, params: {}, context: {} });

afterAll(() => prisma.$disconnect());
beforeAll(async () => {
  await storeSession();
});
beforeEach(async () => {
  await prisma.statementRow.deleteMany();
  await prisma.statementImport.deleteMany();
  await prisma.mpesaAccount.deleteMany();
  await prisma.mpesaAccount.create({
    data: {
      shopDomain: SHOP,
      defaultForShop: SHOP,
      environment: "sandbox",
      kind: "paybill",
      businessShortCode: "600123",
      consumerKey: "k",
      consumerSecretEnc: "sealed",
      passkeyEnc: "sealed",
    },
  });
});

const doc = syntheticStatement({ rows: 300, shortCode: "600123", seed: 9, start: Date.UTC(2026, 10, 1, 20, 30) });

function uploadRequest(bytes: Uint8Array, name: string, field = "statement") {
  const form = new FormData();
  form.append(field, new File([Buffer.from(bytes)], name, { type: "text/csv" }));
  return new Request(`${APP_URL}${PATH}`, { method: "POST", body: form });
}
const signed = (request: Request) =>
  setUpValidRequest(
    {
      type: RequestType.Admin,
      store: SHOP.replace(".myshopify.com", ""),
      apiKey: "testApiKey",
      apiSecretKey: "testApiSecretKey",
    },
    request,
  );

async function post(request: Request) {
  const res = await action(args(request));
  return { status: res.status, body: (await res.json()) as any };
}

describe("statement import route", () => {
  it("imports an uploaded emulator statement and lists it; the same file again adds nothing", async () => {
    const bytes = await statementFile(doc, "xlsx");
    const first = await post(await signed(uploadRequest(bytes, "Statement Nov.xlsx")));
    expect(first.status).toBe(200);
    expect(first.body.result).toMatchObject({
      status: "IMPORTED",
      rows: 300,
      newRows: 300,
      knownRows: 0,
      shortCode: "600123",
    });
    const again = await post(await signed(uploadRequest(bytes, "Statement Nov.xlsx")));
    expect(again.body.result).toMatchObject({ status: "IMPORTED", newRows: 0, knownRows: 300 });
    expect(await prisma.statementRow.count()).toBe(300);

    const page = await (await loader(args(await getPage(PATH)))).json();
    expect(page.imports.map((i: { fileName: string; newRows: number }) => [i.fileName, i.newRows]).sort()).toEqual([
      ["Statement Nov.xlsx", 0],
      ["Statement Nov.xlsx", 300],
    ]);
    // Nothing personal in the page data: no payer names or numbers.
    expect(JSON.stringify(page)).not.toMatch(/\*{4}|CUSTOMER/);
  });

  it("answers a refused statement with its reasons (422) and stores no row", async () => {
    const bytes = await statementFile(doc, "csv", { totalsOffKes: 12 });
    const res = await post(await signed(uploadRequest(bytes, "edited.csv")));
    expect(res.status).toBe(422);
    expect(res.body.result.status).toBe("REFUSED");
    expect(res.body.result.problems[0].message).toContain("short by KES 12.00");
    expect(await prisma.statementRow.count()).toBe(0);
  });

  it("refuses a request without a file, and one that is not multipart", async () => {
    const empty = await post(await signed(uploadRequest(new Uint8Array(1), "x.csv", "other")));
    expect(empty).toMatchObject({ status: 400, body: { error: "Choose a statement file (CSV or Excel) to import." } });
    const urlencoded = await signed(
      new Request(`${APP_URL}${PATH}`, { method: "POST", body: new URLSearchParams({ a: "1" }) }),
    );
    expect((await post(urlencoded)).status).toBe(400);
  });

  it("refuses a file over STATEMENT_MAX_BYTES while it streams (413), keeping nothing", async () => {
    const { env } = await import("../app/lib/env.server");
    const over = new Uint8Array(env().STATEMENT_MAX_BYTES + 1).fill(0x41);
    const res = await post(await signed(uploadRequest(over, "huge.csv")));
    expect(res.status).toBe(413);
    expect(res.body.error).toContain("larger than 40 MB");
    expect(await prisma.statementImport.count()).toBe(0);
  });

  it("is for signed-in staff only: an unsigned upload is not imported", async () => {
    const bytes = await statementFile(doc, "csv");
    const outcome = await action(args(uploadRequest(bytes, "s.csv"))).then(
      (r) => r.status,
      (thrown: unknown) => (thrown instanceof Response ? thrown.status : "threw"),
    );
    expect([302, 401, 410]).toContain(outcome);
    const loaded = await loader(args(new Request(`${APP_URL}${PATH}`))).then(
      (r) => r.status,
      (thrown: unknown) => (thrown instanceof Response ? thrown.status : "threw"),
    );
    expect([302, 401, 410]).toContain(loaded);
    expect(await prisma.statementImport.count()).toBe(0);
  });
});
