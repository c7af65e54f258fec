import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertValidAdminDocument, looksLikeGraphqlDocument } from "./support/admin-schema";
import { ROOT } from "./support/databases";

// Every Admin GraphQL document the app exports must validate against the real Admin 2026-07 schema:
// app/modules/shopify/documents.ts, and any other `documents.ts` / `*.graphql.ts` module under app/.

function documentModules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return documentModules(full);
    return /^(documents|.+\.graphql)\.(ts|js)$/.test(entry.name) ? [full] : [];
  });
}

const modules = documentModules(path.join(ROOT, "app"));

describe("Admin GraphQL documents", () => {
  it("finds the shopify module's documents", () => {
    expect(modules.map((m) => path.relative(ROOT, m))).toContain(
      path.join("app", "modules", "shopify", "documents.ts"),
    );
  });

  it.each(modules.map((m) => [path.relative(ROOT, m), m]))("%s: every document is valid", async (_, file) => {
    const exports = Object.entries(await import(file));
    const documents = exports.filter(([, v]) => looksLikeGraphqlDocument(v));
    expect(documents.length).toBeGreaterThan(0);
    for (const [name, doc] of documents) assertValidAdminDocument(doc as string, name);
  });

  it("rejects a document with a field the schema does not have", () => {
    expect(() =>
      assertValidAdminDocument(`query Bad { order(id: "gid://shopify/Order/1") { financialStatus } }`),
    ).toThrow(/Cannot query field "financialStatus"/);
  });

  it("rejects an unnamed operation", () => {
    expect(() => assertValidAdminDocument(`query { shop { name } }`)).toThrow(/needs a name/);
  });
});
