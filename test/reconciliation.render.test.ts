import path from "node:path";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { importStatement } from "../app/modules/reconciliation/import.server";
import { shortcodeCheckFromAccounts } from "../app/modules/reconciliation/shortcodes.server";
import { asReadable } from "../app/modules/reconciliation/statement";
import { statementFile, syntheticStatement } from "../emulator/statement";
import { getPage, SHOP, storeSession } from "./settings.helpers";

// Server-renders the built statement import page (build/server, made by the test global setup) as a
// document request: Polaris markup renders, past imports are listed, no payer data reaches the HTML.

let handle: (request: Request) => Promise<Response>;
afterAll(() => prisma.$disconnect());

beforeAll(async () => {
  const build = (await import(path.resolve(import.meta.dirname, "..", "build", "server", "index.js"))) as ServerBuild;
  handle = createRequestHandler(build, "production");
  await storeSession();
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
  const doc = syntheticStatement({ rows: 50, shortCode: "600123", seed: 2 });
  for (const [name, faults] of [
    ["november.csv", {}],
    ["edited.csv", { totalsOffKes: 9 }],
  ] as const) {
    const bytes = await statementFile(doc, "csv", faults);
    await importStatement(prisma, {
      shop: SHOP,
      file: { name, bytes: bytes.length, sha256: "x", source: { open: () => asReadable(bytes) } },
      checkShortcode: shortcodeCheckFromAccounts(prisma),
      now: new Date("2027-01-01T00:00:00Z"),
    });
  }
});

describe("rendered statement import page", () => {
  it("renders the drop zone and the past imports, with refusals in words and no payer data", async () => {
    const res = await handle(await getPage("/app/reconciliation/import"));
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("Import M-PESA statement");
    expect(html).toContain('type="file"');
    expect(html).toContain("november.csv");
    expect(html).toContain("edited.csv");
    expect(html).toContain("Refused: The rows add up to Paid In");
    expect(html).not.toMatch(/\d{5}\*{4}\d{3}|CUSTOMER/);
  });
});
